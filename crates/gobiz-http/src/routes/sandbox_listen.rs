//! The server side of `gobiz listen` (issue 18): create a listener, attach to its stream of
//! deliveries (Server-Sent Events), answer each one with what the app said, close it. The
//! design (why a stream plus answers, and not a relay URL) is in docs/listen.md.

use crate::envelope::{created, ok, ApiResult, Failure, Success};
use crate::extract::{Admin, AdminStream, ApiJson, ApiPath};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use futures_util::StreamExt;
use gobiz_domain::timefmt::rfc3339_millis;
use gobiz_services::sandbox::listeners::{Listener, ListenerAnswer, ListenerOffer, NewListener};
use gobiz_services::{ServiceError, Services};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::time::{Duration, Instant};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_listener, list_listeners))
        .routes(routes!(get_listener, close_listener))
        .routes(routes!(stream))
        .routes(routes!(answer))
}

/// How often an idle stream looks for due deliveries.
const IDLE_POLL: Duration = Duration::from_millis(100);
/// How often a stream waiting for an answer looks whether it came (possibly to another node).
const ANSWER_POLL: Duration = Duration::from_millis(20);
/// How often a stream notes that it is alive and checks that its listener still exists.
const TOUCH_EVERY: Duration = Duration::from_secs(10);

/// `{listener_id}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct ListenerParams {
    /// The listener.
    #[param(example = "5b7c1e0a-8f3d-4c2b-9a61-7e4d2f0c9b18")]
    listener_id: String,
}

/// A listener of `gobiz listen`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ListenerView {
    /// Its id.
    #[schema(example = "5b7c1e0a-8f3d-4c2b-9a61-7e4d2f0c9b18")]
    pub listener_id: String,
    /// Whose webhooks it receives.
    pub partner_id: String,
    /// Only this outlet's events, or `null` for every outlet.
    #[schema(example = "G000012345")]
    pub outlet_id: Option<String>,
    /// The events it receives.
    pub events: Vec<String>,
    /// Where its CLI forwards them.
    #[schema(example = "http://localhost:3000/webhook")]
    pub forward_to: String,
    /// Creation (sandbox clock, UTC).
    #[schema(format = DateTime, example = "2026-12-05T10:00:00.000Z")]
    pub created_at: String,
    /// When its stream was last seen alive (UTC).
    #[schema(format = DateTime, example = "2026-12-05T10:00:10.000Z")]
    pub seen_at: String,
}

impl From<&Listener> for ListenerView {
    fn from(l: &Listener) -> Self {
        ListenerView {
            listener_id: l.id.clone(),
            partner_id: l.partner_id.clone(),
            outlet_id: l.outlet_id.clone(),
            events: l.events.clone(),
            forward_to: l.forward_to.clone(),
            created_at: rfc3339_millis(l.created_at),
            seen_at: rfc3339_millis(l.seen_at),
        }
    }
}

/// `data` of one listener.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ListenerData {
    /// The listener.
    pub listener: ListenerView,
}

/// `data` of the listener list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ListenerList {
    /// Open listeners, oldest first.
    pub listeners: Vec<ListenerView>,
}

/// `data` of a closed listener.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClosedListener {
    /// Its unanswered deliveries, now `dead`.
    pub abandoned_deliveries: u64,
}

/// One delivery offered on a listener's stream (`event: delivery`): forward `body` with
/// `headers` exactly, then answer with its `delivery_id` and `lease`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ListenerDelivery {
    /// The delivery.
    pub delivery_id: String,
    /// The lease token the answer must carry.
    pub lease: String,
    /// Attempt number (1 = first, 2 = first retry, …).
    pub attempt: i64,
    /// Event name.
    #[schema(example = "gofood.order.merchant_accepted")]
    pub event: String,
    /// `header.event_id`.
    pub event_id: String,
    /// The order number, transaction id, … the event is about.
    pub entity_id: String,
    /// The outlet of the event.
    pub outlet_id: Option<String>,
    /// When the event happened (sandbox clock, UTC).
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The exact headers of this attempt (`X-Go-Signature`, `X-Go-Idempotency-Key`, the
    /// Standard Webhooks headers when enabled, …).
    pub headers: BTreeMap<String, String>,
    /// The exact body, to be sent byte for byte (the signature covers it).
    pub body: String,
}

impl From<&ListenerOffer> for ListenerDelivery {
    fn from(o: &ListenerOffer) -> Self {
        let d = &o.offer.claimed.delivery;
        ListenerDelivery {
            delivery_id: d.id.clone(),
            lease: o.offer.lease.clone(),
            attempt: o.attempt,
            event: d.event_name.clone(),
            event_id: d.event_id.clone(),
            entity_id: d.entity_id.clone(),
            outlet_id: o.outlet_id.clone(),
            created_at: rfc3339_millis(d.created_at),
            headers: o.offer.headers.clone(),
            body: d.payload.clone(),
        }
    }
}

/// `data` of an answer: what happens to the delivery next.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AnswerRecorded {
    /// The delivery.
    pub delivery_id: String,
    /// `delivered`, `retrying` or `dead`.
    #[schema(example = "retrying")]
    pub status: String,
    /// Retries done so far.
    pub retries: i64,
    /// When it is offered again, if `retrying` (sandbox clock, UTC).
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
}

#[utoipa::path(post, path = "/sandbox/v1/listeners", tag = "Sandbox",
    operation_id = "sandbox_create_listener",
    summary = "Create a listener (gobiz listen)",
    description = "A temporary receiver of one partner's webhooks (default: the demo partner; every event; every outlet) that a CLI attaches to with `GET /sandbox/v1/listeners/{listener_id}/stream` instead of being called at a URL. It gets deliveries exactly as a subscription would (spec §9.6), and each answer it reports counts as the attempt (spec §9.8). Listeners whose stream is not seen for an hour are closed.",
    request_body = NewListener,
    responses(
        (status = 201, description = "Created", body = Success<ListenerData>),
        (status = 404, description = "Unknown partner or outlet", body = Failure),
    ))]
async fn create_listener(
    State(s): State<AppState>,
    _: Admin,
    ApiJson(b): ApiJson<NewListener>,
) -> ApiResult {
    let l = s.services.create_listener(b).await?;
    Ok(created(ListenerData {
        listener: ListenerView::from(&l),
    }))
}

#[utoipa::path(get, path = "/sandbox/v1/listeners", tag = "Sandbox",
    operation_id = "sandbox_list_listeners",
    summary = "List listeners",
    description = "Every open listener of `gobiz listen`, oldest first.",
    responses(
        (status = 200, description = "The listeners", body = Success<ListenerList>),
    ))]
async fn list_listeners(State(s): State<AppState>, _: Admin) -> ApiResult {
    let list = s.services.listeners().await?;
    Ok(ok(ListenerList {
        listeners: list.iter().map(ListenerView::from).collect(),
    }))
}

#[utoipa::path(get, path = "/sandbox/v1/listeners/{listener_id}", tag = "Sandbox",
    operation_id = "sandbox_get_listener",
    summary = "Read a listener",
    params(ListenerParams),
    responses(
        (status = 200, description = "The listener", body = Success<ListenerData>),
        (status = 404, description = "Unknown or closed listener: `Listener with id: <listener_id> is not found`", body = Failure),
    ))]
async fn get_listener(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let l = s.services.listener(&id).await?;
    Ok(ok(ListenerData {
        listener: ListenerView::from(&l),
    }))
}

#[utoipa::path(delete, path = "/sandbox/v1/listeners/{listener_id}", tag = "Sandbox",
    operation_id = "sandbox_close_listener",
    summary = "Close a listener",
    description = "Removes the listener and its subscriptions; its deliveries not yet answered end as `dead` (\"Not delivered: the listener (gobiz listen) was closed\").",
    params(ListenerParams),
    responses(
        (status = 200, description = "Closed", body = Success<ClosedListener>),
        (status = 404, description = "Unknown or closed listener", body = Failure),
    ))]
async fn close_listener(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let abandoned_deliveries = s.services.close_listener(&id).await?;
    Ok(ok(ClosedListener {
        abandoned_deliveries,
    }))
}

#[utoipa::path(get, path = "/sandbox/v1/listeners/{listener_id}/stream", tag = "Sandbox",
    operation_id = "sandbox_listener_stream",
    summary = "Attach to a listener (Server-Sent Events)",
    description = "A stream of `text/event-stream` events: `ready` (data: the listener) once, then one `delivery` event (data: a `ListenerDelivery`; id: `<delivery_id>:<attempt>`) per due delivery, oldest first and one at a time: the next one comes after the previous one is answered (`POST …/answers`) or its lease (the webhook timeout + 15 s) runs out, when it is offered again. `closed` when the listener is closed. Comments every 15 s keep the connection open. Nothing is kept in the connection: a new stream (after a restart, on any node) resumes with what is still unanswered.",
    params(ListenerParams),
    responses(
        (status = 200, description = "The stream", content_type = "text/event-stream", body = crate::openapi::SseEvent),
        (status = 404, description = "Unknown or closed listener", body = Failure),
    ))]
async fn stream(
    State(s): State<AppState>,
    _: AdminStream,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let listener = s.services.listener(&id).await?;
    s.services.touch_listener(&id).await?;
    let ready = Event::default()
        .event("ready")
        .json_data(ListenerView::from(&listener))
        .map_err(|e| ServiceError::Internal(format!("listener event: {e}")))?;
    let feed = Feed {
        services: s.services.clone(),
        id,
        touched: Instant::now(),
        closed: false,
        pending: None,
    };
    let offers = futures_util::stream::unfold(feed, |mut feed| async move {
        let ev = feed.next().await?;
        Some((Ok::<Event, Infallible>(ev), feed))
    });
    let events =
        futures_util::stream::once(async move { Ok::<Event, Infallible>(ready) }).chain(offers);
    let mut stopping = s.stopping.clone();
    let stop = async move {
        let _ = stopping.wait_for(|s| *s).await;
    };
    let mut resp = Sse::new(events.take_until(Box::pin(stop)))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// The state of one attached stream.
struct Feed {
    services: Services,
    id: String,
    touched: Instant,
    closed: bool,
    /// The offer sent last and not yet answered: delivery id, lease, when the lease ends.
    pending: Option<(String, String, Instant)>,
}

impl Feed {
    /// The next event: an offered delivery (after the previous one was answered), or
    /// `closed`; `None` ends the stream.
    async fn next(&mut self) -> Option<Event> {
        if self.closed {
            return None;
        }
        self.await_answer().await;
        loop {
            if self.touched.elapsed() >= TOUCH_EVERY {
                self.touched = Instant::now();
                match self.services.listener(&self.id).await {
                    Err(ServiceError::NotFound(_)) => return Some(self.close()),
                    Err(e) => {
                        tracing::warn!(listener = %self.id, error = %e, "listener check failed")
                    }
                    Ok(_) => {
                        let _ = self.services.touch_listener(&self.id).await;
                    }
                }
            }
            match self.services.offer_to_listener(&self.id).await {
                Ok(Some(offer)) => {
                    let data = ListenerDelivery::from(&offer);
                    let ev = Event::default()
                        .event("delivery")
                        .id(format!("{}:{}", data.delivery_id, data.attempt))
                        .json_data(&data)
                        .ok()?;
                    let lease_ms = self.services.dispatcher.listener_lease_ms();
                    let until = Instant::now()
                        + Duration::from_millis(u64::try_from(lease_ms).unwrap_or(30_000));
                    self.pending = Some((data.delivery_id, data.lease, until));
                    return Some(ev);
                }
                Ok(None) => tokio::time::sleep(IDLE_POLL).await,
                Err(e) => {
                    tracing::warn!(listener = %self.id, error = %e, "offering a delivery failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Waits until the last offer is answered (on any node) or its lease runs out: one
    /// delivery at a time keeps the app's view in order.
    async fn await_answer(&mut self) {
        let Some((delivery, lease, until)) = self.pending.take() else {
            return;
        };
        while Instant::now() < until {
            match self.services.offer_open(&delivery, &lease).await {
                Ok(false) => return,
                Ok(true) => {}
                Err(e) => {
                    tracing::warn!(listener = %self.id, error = %e, "checking an offer failed")
                }
            }
            tokio::time::sleep(ANSWER_POLL).await;
        }
    }

    fn close(&mut self) -> Event {
        self.closed = true;
        Event::default()
            .event("closed")
            .data("the listener was closed")
    }
}

#[utoipa::path(post, path = "/sandbox/v1/listeners/{listener_id}/answers", tag = "Sandbox",
    operation_id = "sandbox_listener_answer",
    summary = "Report the app's answer to an offered delivery",
    description = "Records what the app the CLI forwards to answered (its status, or that it timed out or could not be reached) as the delivery's attempt: a 2xx delivers it, anything else schedules the retry of spec §9.8 (or ends it as `dead`), exactly as for a receiver reached over HTTP.",
    params(ListenerParams),
    request_body = ListenerAnswer,
    responses(
        (status = 200, description = "Recorded", body = Success<AnswerRecorded>),
        (status = 404, description = "Unknown listener, or a delivery that is not this listener's", body = Failure),
        (status = 409, description = "The offer is no longer open: answered already, or its lease ran out and it is offered again", body = Failure),
    ))]
async fn answer(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<ListenerAnswer>,
) -> ApiResult {
    let r = s.services.answer_listener(&id, b).await?;
    Ok(ok(AnswerRecorded {
        delivery_id: r.delivery_id.clone(),
        next_attempt_at: (r.status == "retrying").then(|| rfc3339_millis(r.next_attempt_at)),
        status: r.status,
        retries: r.retries,
    }))
}
