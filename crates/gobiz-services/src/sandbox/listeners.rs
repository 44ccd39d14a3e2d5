//! `gobiz listen` on the server: a listener is a temporary receiver of a partner's webhooks
//! that a CLI attaches to over a stream. Creating one writes ordinary subscriptions (url
//! `gobiz-listen:<id>`, so spec §9.6's fan-out rules apply unchanged); its deliveries are
//! offered one at a time, oldest first, to its stream, and the app's answer that the CLI
//! reports is recorded as the attempt, with the retry schedule of spec §9.8. Nothing lives in
//! memory: a restarted server, or another node, resumes where the last answer left off.

use super::demo;
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::wall_now_ms as wall_ms;
use gobiz_domain::events::EventName;
use gobiz_domain::validation::Violations;
use gobiz_store::listeners;
pub use gobiz_store::listeners::Listener;
use gobiz_store::subscriptions::{self, Subscription};
use gobiz_store::{clients, outbox};
use gobiz_webhooks::relay::{Offer, RelayAnswer};
use serde::{Deserialize, Serialize};

/// A listener whose stream has not been seen for this long (wall clock) is closed when the
/// next listener is created: a CLI killed without saying goodbye leaves nothing pending for
/// ever.
pub const STALE_AFTER_MS: i64 = 60 * 60 * 1000;

/// The history message of a delivery whose listener was closed before it was answered.
pub const CLOSED_MESSAGE: &str = "Not delivered: the listener (gobiz listen) was closed";

/// `POST /sandbox/v1/listeners`.
#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"forward_to": "http://localhost:3000/webhook", "events": ["gofood.order.merchant_accepted", "gofood.order.completed"], "outlet_id": "G000012345"}))]
pub struct NewListener {
    /// Whose webhooks to receive; default: the partner of the demo client (`--demo` data).
    #[schema(required = false, nullable = false, value_type = String)]
    pub partner_id: Option<String>,
    /// Which events; default: every event of spec §9.
    #[schema(required = false, nullable = false, value_type = Vec<String>)]
    pub events: Option<Vec<String>>,
    /// Only this outlet's events; default: every outlet the partner reaches.
    #[schema(required = false, nullable = false, value_type = String, pattern = "^G[0-9]{9}$")]
    pub outlet_id: Option<String>,
    /// Where the CLI forwards (shown in listings; the server never calls it), 1 to 2000
    /// characters.
    #[schema(required = true, nullable = false, value_type = String, min_length = 1, max_length = 2000)]
    pub forward_to: Option<String>,
}

/// `POST /sandbox/v1/listeners/{listener_id}/answers`: what the app answered to one offer.
#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"delivery_id": "1f0e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", "lease": "listen:8c1d…", "status_code": 200, "latency_ms": 12, "response_body": "{\"ok\":true}"}))]
pub struct ListenerAnswer {
    /// The delivery answered.
    #[schema(required = true, nullable = false, value_type = String)]
    pub delivery_id: Option<String>,
    /// The lease token of its offer.
    #[schema(required = true, nullable = false, value_type = String)]
    pub lease: Option<String>,
    /// The app's HTTP status (100–599), when it answered.
    #[schema(required = false, nullable = false, value_type = u16, minimum = 100, maximum = 599)]
    pub status_code: Option<i64>,
    /// True when the app did not answer in time.
    #[serde(default)]
    pub timed_out: bool,
    /// Why the app could not be reached (at most 1000 characters).
    #[schema(required = false, nullable = false, value_type = String, max_length = 1000)]
    pub error: Option<String>,
    /// How long the forward took, in ms (0 to 600000).
    #[schema(required = false, nullable = false, value_type = i64, minimum = 0, maximum = 600000)]
    pub latency_ms: Option<i64>,
    /// The start of the app's answer (the server keeps its first 4 KiB).
    #[schema(required = false, nullable = false, value_type = String)]
    pub response_body: Option<String>,
}

/// What the stream sends for one offered delivery.
#[derive(Debug, Clone)]
pub struct ListenerOffer {
    /// The lease, delivery and exact headers.
    pub offer: Offer,
    /// Attempt number (1 = first).
    pub attempt: i64,
    /// The outlet of the event.
    pub outlet_id: Option<String>,
}

impl Services {
    /// `POST /sandbox/v1/listeners`: a listener of a partner's deliveries, with one
    /// subscription per event (partner-wide, or for one outlet).
    pub async fn create_listener(&self, req: NewListener) -> ServiceResult<Listener> {
        let mut v = Violations::new();
        v.text("forward_to", req.forward_to.as_deref(), 1, 2000);
        let mut events: Vec<String> = Vec::new();
        match &req.events {
            None => events = EventName::ALL.map(|e| e.as_str().to_string()).to_vec(),
            Some(list) if list.is_empty() => v.add("events", "must not be empty"),
            Some(list) => {
                for (i, e) in list.iter().enumerate() {
                    match EventName::parse(e) {
                        Some(name) if !events.iter().any(|x| x == name.as_str()) => {
                            events.push(name.as_str().to_string())
                        }
                        Some(_) => {}
                        None => v.add(
                            format!("events[{i}]"),
                            gobiz_domain::events::UnknownEvent { given: e.clone() }.to_string(),
                        ),
                    }
                }
            }
        }
        v.finish()?;
        self.close_stale_listeners().await?;
        let partner = match &req.partner_id {
            Some(id) => self.get_partner(id).await?,
            None => {
                let demo_client = clients::get(&mut self.db.conn().await?, demo::CLIENT_ID).await?;
                let Some(c) = demo_client else {
                    return Err(ServiceError::invalid(
                        "partner_id",
                        "is required: there is no demo partner (start the server with --demo, or name a partner)",
                    ));
                };
                self.get_partner(&c.partner_id).await?
            }
        };
        if let Some(outlet) = &req.outlet_id {
            self.get_outlet(outlet).await?;
        }
        let now = self.now();
        let listener = Listener {
            id: uuid::Uuid::new_v4().to_string(),
            partner_id: partner.id.clone(),
            outlet_id: req.outlet_id.clone(),
            events,
            forward_to: req.forward_to.clone().unwrap_or_default(),
            created_at: now,
            seen_at: wall_ms(),
        };
        let mut tx = self.db.begin().await?;
        listeners::insert(&mut tx, &listener).await?;
        for event in &listener.events {
            subscriptions::insert(
                &mut tx,
                &Subscription {
                    id: uuid::Uuid::new_v4().to_string(),
                    partner_id: listener.partner_id.clone(),
                    outlet_id: listener.outlet_id.clone(),
                    event: event.clone(),
                    url: listeners::endpoint(&listener.id),
                    active: true,
                    created_at: now,
                    updated_at: now,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(listener)
    }

    /// One listener (404 when unknown or closed).
    pub async fn listener(&self, id: &str) -> ServiceResult<Listener> {
        listeners::get(&mut self.db.conn().await?, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("Listener with id: {id} is not found")))
    }

    /// Every open listener.
    pub async fn listeners(&self) -> ServiceResult<Vec<Listener>> {
        Ok(listeners::list(&mut self.db.conn().await?).await?)
    }

    /// `DELETE /sandbox/v1/listeners/{id}`: closes a listener; its unanswered deliveries end
    /// as `dead` with [`CLOSED_MESSAGE`].
    pub async fn close_listener(&self, id: &str) -> ServiceResult<u64> {
        self.listener(id).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let closed =
            outbox::abandon(&mut tx, &listeners::endpoint(id), now, CLOSED_MESSAGE).await?;
        listeners::delete(&mut tx, id).await?;
        tx.commit().await?;
        Ok(closed)
    }

    /// Closes the listeners whose stream was not seen for [`STALE_AFTER_MS`].
    async fn close_stale_listeners(&self) -> ServiceResult<()> {
        let stale =
            listeners::stale(&mut self.db.conn().await?, wall_ms() - STALE_AFTER_MS).await?;
        for id in stale {
            tracing::info!(listener = %id, "closing a listener not seen for an hour");
            self.close_listener(&id).await?;
        }
        Ok(())
    }

    /// Notes that the listener's stream is alive.
    pub async fn touch_listener(&self, id: &str) -> ServiceResult<()> {
        Ok(listeners::touch(&mut self.db.conn().await?, id, wall_ms()).await?)
    }

    /// Leases the listener's oldest due delivery for its stream, if any.
    pub async fn offer_to_listener(&self, id: &str) -> ServiceResult<Option<ListenerOffer>> {
        let Some(offer) = self.dispatcher.offer(&listeners::endpoint(id)).await? else {
            return Ok(None);
        };
        let outlet_id =
            outbox::event_outlet(&mut self.db.conn().await?, &offer.claimed.delivery.event_id)
                .await?;
        Ok(Some(ListenerOffer {
            attempt: offer.claimed.delivery.retries + 1,
            outlet_id,
            offer,
        }))
    }

    /// Whether the offer with `lease` is still waiting for its answer.
    pub async fn offer_open(&self, delivery_id: &str, lease: &str) -> ServiceResult<bool> {
        let owner = outbox::lease_owner(&mut self.db.conn().await?, delivery_id).await?;
        Ok(owner.as_deref() == Some(lease))
    }

    /// `POST /sandbox/v1/listeners/{id}/answers`: records the app's answer to an offer as the
    /// delivery's attempt; 409 when the offer is no longer open (answered, or its lease ran
    /// out and it was offered again).
    pub async fn answer_listener(
        &self,
        id: &str,
        answer: ListenerAnswer,
    ) -> ServiceResult<gobiz_store::outbox::AttemptRecord> {
        let mut v = Violations::new();
        if answer.delivery_id.is_none() {
            v.add("delivery_id", "is required");
        }
        if answer.lease.is_none() {
            v.add("lease", "is required");
        }
        if let Some(s) = answer.status_code {
            if !(100..=599).contains(&s) {
                v.add("status_code", "must be an HTTP status from 100 to 599");
            }
        } else if !answer.timed_out && answer.error.is_none() {
            v.add("status_code", "status_code, timed_out or error is required");
        }
        if answer
            .error
            .as_deref()
            .is_some_and(|e| e.chars().count() > 1000)
        {
            v.add("error", "must be at most 1000 characters");
        }
        if answer
            .latency_ms
            .is_some_and(|l| !(0..=600_000).contains(&l))
        {
            v.add("latency_ms", "must be from 0 to 600000");
        }
        v.finish()?;
        self.listener(id).await?;
        let delivery_id = answer.delivery_id.clone().unwrap_or_default();
        let lease = answer.lease.clone().unwrap_or_default();
        let claimed = outbox::claimed_by_id(&mut self.db.conn().await?, &delivery_id)
            .await?
            .filter(|c| c.delivery.endpoint == listeners::endpoint(id))
            .ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "Delivery with id: {delivery_id} of this listener is not found"
                ))
            })?;
        if !self.offer_open(&delivery_id, &lease).await? {
            return Err(ServiceError::Conflict(format!(
                "Delivery {delivery_id} is not waiting for this answer: it was answered already, or its lease ran out and it is offered again"
            )));
        }
        let relay = RelayAnswer {
            status_code: answer.status_code.and_then(|s| u16::try_from(s).ok()),
            timed_out: answer.timed_out,
            error: answer.error,
            latency_ms: answer.latency_ms.unwrap_or(0),
            response_body: answer.response_body,
        };
        Ok(self.dispatcher.relayed(&claimed, &relay).await?)
    }
}
