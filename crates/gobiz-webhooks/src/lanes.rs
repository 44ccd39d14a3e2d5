//! Per-endpoint lanes of one node's dispatcher. At most `per_endpoint` requests are in flight
//! to one URL, so that one slow receiver cannot take every connection; claimed deliveries
//! for a URL whose lane is busy wait in a short queue and are sent as soon as a request to
//! that URL ends. Before there was a queue, such deliveries went back to the database
//! (one write each) and were claimed again 100 ms later, so a backlog for one URL (a partner
//! back after an outage; most partners have one URL) drained at a fraction of the rate the
//! receiver could take (issue 20).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// The lanes: in-flight counts and waiting queues by endpoint.
pub(crate) struct Lanes<T> {
    map: Mutex<HashMap<String, Lane<T>>>,
    per_endpoint: usize,
    queue_cap: usize,
}

struct Lane<T> {
    sending: usize,
    waiting: VecDeque<T>,
}

/// What became of an item offered to a lane.
#[derive(Debug, PartialEq)]
pub(crate) enum Admit<T> {
    /// A slot was free: send it now.
    Send(T),
    /// It waits for a slot; [`Lanes::done`] hands it out.
    Queued,
    /// The lane and its queue are full: hand it back.
    Full(T),
}

/// What follows the end of a request on a lane.
#[derive(Debug, PartialEq)]
pub(crate) struct Done<T> {
    /// The next waiting item, to send in the slot just freed.
    pub next: Option<T>,
    /// The lane's queue just fell to half: a claim now would find room.
    pub room: bool,
}

impl<T> Lanes<T> {
    /// Lanes of `per_endpoint` slots, each with a queue of twice as many items.
    pub(crate) fn new(per_endpoint: usize) -> Lanes<T> {
        let per_endpoint = per_endpoint.max(1);
        Lanes {
            map: Mutex::new(HashMap::new()),
            per_endpoint,
            queue_cap: per_endpoint * 2,
        }
    }

    /// Offers `item` for `endpoint`.
    pub(crate) fn admit(&self, endpoint: &str, item: T) -> Admit<T> {
        let Ok(mut map) = self.map.lock() else {
            return Admit::Send(item);
        };
        let lane = map.entry(endpoint.to_string()).or_insert_with(|| Lane {
            sending: 0,
            waiting: VecDeque::new(),
        });
        if lane.sending < self.per_endpoint {
            lane.sending += 1;
            Admit::Send(item)
        } else if lane.waiting.len() < self.queue_cap {
            lane.waiting.push_back(item);
            Admit::Queued
        } else {
            Admit::Full(item)
        }
    }

    /// A request to `endpoint` ended: its slot goes to the next waiting item, if any.
    pub(crate) fn done(&self, endpoint: &str) -> Done<T> {
        let Ok(mut map) = self.map.lock() else {
            return Done {
                next: None,
                room: false,
            };
        };
        let Some(lane) = map.get_mut(endpoint) else {
            return Done {
                next: None,
                room: false,
            };
        };
        let next = lane.waiting.pop_front();
        let room = next.is_some() && lane.waiting.len() == self.queue_cap / 2;
        if next.is_none() {
            lane.sending = lane.sending.saturating_sub(1);
            if lane.sending == 0 {
                map.remove(endpoint);
            }
        }
        Done { next, room }
    }

    /// Whether some lane's queue is over half full (claiming more now would mostly overflow).
    pub(crate) fn congested(&self) -> bool {
        self.map.lock().is_ok_and(|m| {
            m.values()
                .any(|lane| lane.waiting.len() > self.queue_cap / 2)
        })
    }

    /// How many items a claim may bring after one overflowed: what a lane frees before it
    /// signals `room` again.
    pub(crate) fn refill(&self) -> usize {
        self.queue_cap / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_lane_queues_then_hands_out_in_order_then_refuses() {
        let lanes = Lanes::new(2);
        assert_eq!(lanes.admit("a", 1), Admit::Send(1));
        assert_eq!(lanes.admit("a", 2), Admit::Send(2));
        // Other endpoints are not held up by a's.
        assert_eq!(lanes.admit("b", 9), Admit::Send(9));
        for i in 3..=6 {
            assert_eq!(lanes.admit("a", i), Admit::Queued);
        }
        assert!(lanes.congested());
        assert_eq!(lanes.admit("a", 7), Admit::Full(7));
        assert_eq!(
            lanes.done("a"),
            Done {
                next: Some(3),
                room: false
            }
        );
        assert!(lanes.congested());
        // The queue falls to half: room for a claim.
        assert_eq!(
            lanes.done("a"),
            Done {
                next: Some(4),
                room: true
            }
        );
        assert!(!lanes.congested());
        assert_eq!(lanes.done("a").next, Some(5));
        assert_eq!(lanes.done("a").next, Some(6));
        // Nothing waits: slots free up, and the lane goes away with its last request.
        assert_eq!(lanes.done("a").next, None);
        assert_eq!(lanes.admit("a", 8), Admit::Send(8));
        assert_eq!(lanes.done("a").next, None);
        assert_eq!(lanes.done("a").next, None);
        assert!(lanes.map.lock().unwrap().get("a").is_none());
        assert_eq!(lanes.done("b").next, None);
        assert!(lanes.map.lock().unwrap().is_empty());
        assert_eq!(lanes.refill(), 2);
    }
}
