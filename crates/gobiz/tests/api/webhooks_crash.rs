//! At-least-once delivery across a crash (spec §9.9): the server is killed (SIGKILL) while a
//! backlog of deliveries is being sent; after a restart on the same database every event
//! arrives, and duplicates carry the same `X-Go-Idempotency-Key`. Twice: with a lease too
//! short to cover an attempt, so every delivery is claimed from the database, and with one
//! that covers it, so the deliveries are leased to the node's dispatcher as they are written
//! and handed to it in memory (the node dies holding them).

// The crash test passes its own server environment (`CRASH_ENV`) to `both_dbs!`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::harness::receiver::*;
use crate::harness::*;

const EVENTS: usize = 50;

const CRASH_ENV: &[(&str, &str)] = &[
    ("GOBIZ_WEBHOOK_RETRY_SCHEDULE_MS", "100,100,100,100,100"),
    ("GOBIZ_WEBHOOK_TIMEOUT_MS", "5000"),
    ("GOBIZ_WEBHOOK_LEASE_MS", "1000"),
];

/// A lease longer than an attempt's timeout and margin: deliveries go to the dispatcher
/// without a claim.
const HANDED_OVER_ENV: &[(&str, &str)] = &[
    ("GOBIZ_WEBHOOK_RETRY_SCHEDULE_MS", "100,100,100,100,100"),
    ("GOBIZ_WEBHOOK_TIMEOUT_MS", "2000"),
    ("GOBIZ_WEBHOOK_LEASE_MS", "4000"),
];

const EV: &str = "gofood.order.merchant_accepted";

fn unique_events(reqs: &[Received]) -> BTreeSet<String> {
    reqs.iter().map(Received::event_id).collect()
}

async fn crash_loses_no_event(mut app: TestApp) {
    let rx = Receiver::start().await;
    rx.set("/hook", Behaviour::Delay(Duration::from_millis(300), 200));
    let fx = app.setup_facilitator().await;
    let tok = app
        .access_token(&fx.client_id, &fx.client_secret, "gofood:order:read")
        .await;
    let sub = subscribe(&app, &tok, EV, &rx.url("/hook")).await;

    let mut emitted = BTreeSet::new();
    let mut numbers = BTreeMap::new();
    for i in 0..EVENTS {
        let on = format!("F-{:09}", 100_000_000 + i);
        let id = emit_order(&app, &fx.outlet_id, &on, 1).await;
        numbers.insert(id.clone(), on);
        emitted.insert(id);
    }
    assert_eq!(emitted.len(), EVENTS, "distinct event ids");

    // Kill mid-backlog.
    let before = rx.wait_for(3, Duration::from_secs(30)).await;
    app.restart().await;
    let seen_at_kill = unique_events(&before).len();
    eprintln!(
        "killed after {} requests ({seen_at_kill} distinct events) of {EVENTS}",
        before.len()
    );
    assert!(
        seen_at_kill < EVENTS,
        "the kill must land mid-backlog, with deliveries still pending"
    );

    // Every event arrives at least once.
    let all = rx
        .wait_until(Duration::from_secs(45), "every event", |r| {
            unique_events(r).len() >= EVENTS
        })
        .await;
    assert_eq!(
        unique_events(&all),
        emitted,
        "the received events are exactly the emitted ones"
    );

    // Duplicates share the idempotency key (and the body); keys are UUIDv5(event, sub).
    let mut by_event: BTreeMap<String, Vec<Received>> = BTreeMap::new();
    for r in all {
        by_event.entry(r.event_id()).or_default().push(r);
    }
    let mut dupes = 0;
    for (event_id, reqs) in &by_event {
        let keys: BTreeSet<String> = reqs.iter().map(Received::idempotency_key).collect();
        assert_eq!(
            keys,
            BTreeSet::from([idempotency_key(event_id, &sub)]),
            "event {event_id}: every copy carries UUIDv5(event_id, subscription id)"
        );
        for r in reqs {
            assert_eq!(r.body, reqs[0].body, "event {event_id}: copies differ");
            assert_eq!(
                r.header("x-go-signature").unwrap(),
                go_signature(&fx.notification_secret, &r.body)
            );
            assert_eq!(r.json()["body"]["order"]["order_number"], numbers[event_id]);
        }
        dupes += reqs.len() - 1;
    }
    eprintln!("{dupes} duplicate deliveries after the crash");

    // The records all end delivered.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let d = deliveries(&app, &format!("subscription_id={sub}&per_page=100")).await;
        assert_eq!(d.len(), EVENTS, "one delivery per event");
        let delivered = d
            .iter()
            .filter(|x| x["delivery_status"] == "delivered")
            .count();
        if delivered == EVENTS {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "only {delivered} of {EVENTS} deliveries are `delivered` 20 s after all arrived"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
both_dbs!(crash_loses_no_event, CRASH_ENV);

async fn crash_loses_no_handed_over_event(app: TestApp) {
    crash_loses_no_event(app).await;
}
both_dbs!(crash_loses_no_handed_over_event, HANDED_OVER_ENV);
