//! Writing events into the outbox with their fan-out (spec §9.6), inside the caller's
//! transaction: the event, its deliveries and the state change commit together or not at all.

use crate::{ServiceResult, Services};
use gobiz_domain::chaos::ChaosConfig;
use gobiz_domain::clock::Clock;
use gobiz_domain::events::{
    apply_menu_mapping, has_order_items, set_external_outlet_id, Event, EventHeader, EventName,
    Payload, WebhookError,
};
use gobiz_domain::model::PartnerType;
use gobiz_domain::webhook::idempotency_key;
use gobiz_store::outbox::{self, Delivery, EventRow};
use gobiz_store::{catalogs, chaos, subscriptions, Tx};
use serde_json::Value;
use std::collections::HashMap;

/// An event to emit.
#[derive(Debug, Clone)]
pub struct EventDraft {
    /// The event: its name, routing facts (scope, product, entity id, request id) and body.
    /// A body naming `outlet.external_outlet_id` gets it per recipient from its link.
    pub event: Event,
    /// Outlet it concerns.
    pub outlet_id: String,
    /// Deliver only to this partner's subscriptions (e.g. the partner that pushed a catalog).
    pub only_partner: Option<String>,
    /// When the event happens, if later than now (e.g. a mapping finishing after a push):
    /// its timestamp and the first delivery attempt.
    pub at: Option<i64>,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Emitted {
    /// `header.event_id`.
    pub event_id: String,
    /// Deliveries created.
    pub deliveries: usize,
}

/// Deliveries written per statement: 16 parameters each, well under both engines' limits.
const DELIVERIES_PER_STATEMENT: usize = 512;

/// A delivery of the fan-out, with what signing it needs (its partner's stored secret and Standard Webhooks choice).
struct Fanned {
    delivery: Delivery,
    secret: String,
    standard_webhooks: bool,
}

impl Fanned {
    /// Whether this node's dispatcher can take it as soon as the transaction commits: due at
    /// `now`, sent over HTTP (not to a `gobiz listen` session) and without sandbox chaos,
    /// which is what a claim would take.
    fn can_hand_over(&self, now: i64) -> bool {
        let d = &self.delivery;
        d.chaos_seq.is_none()
            && d.next_attempt_at <= now
            && !gobiz_store::listeners::is_listener_url(&d.endpoint)
    }
}

/// Per-partner routing facts gathered once per event.
struct Recipient {
    allowed: bool,
    external_outlet_id: Option<String>,
}

impl Services {
    /// Whether `route`'s partner may receive the event (spec §9.6: it holds the event's read
    /// scope, on the partner or one of its clients, and reaches the outlet: owns it when
    /// direct, has it linked for the event's product when a facilitator), and the outlet id
    /// it knows the outlet by.
    fn recipient(route: &subscriptions::Route, draft: &EventDraft) -> Recipient {
        let partner = &route.partner;
        let scope = draft.event.read_scope();
        let holds = route.client_holds_scope || partner.read_scopes.iter().any(|s| s == scope);
        let (reachable, external) = match partner.kind {
            PartnerType::Direct => (partner.owns(&route.outlet_merchant_id), None),
            PartnerType::Facilitator => match &route.link {
                Some(external) => (true, Some(external.clone())),
                None => (false, None),
            },
        };
        Recipient {
            allowed: holds && reachable,
            external_outlet_id: external,
        }
    }

    /// Writes the event and one delivery per matching subscription in `tx`. Once `tx`
    /// commits, the deliveries due now go to this node's dispatcher: handed over, or it is
    /// woken to claim them.
    pub async fn emit(&self, tx: &mut Tx, draft: EventDraft) -> ServiceResult<Emitted> {
        self.emit_many(tx, vec![draft])
            .await?
            .pop()
            .ok_or_else(|| crate::ServiceError::Internal("event not written".into()))
    }

    /// Writes events and their fan-out in `tx` as [`Services::emit`] does for one, with one
    /// statement for all the events, one routing query per distinct (event, outlet) and one
    /// statement for all the deliveries: what a batch of events costs beyond one event is
    /// rows, not round trips. Answers in the order of `drafts`.
    pub async fn emit_many(
        &self,
        tx: &mut Tx,
        drafts: Vec<EventDraft>,
    ) -> ServiceResult<Vec<Emitted>> {
        /// One event being written: its draft, time, id and payload template.
        struct Planned {
            draft: EventDraft,
            now: i64,
            event_id: String,
            entity_id: String,
            template: Value,
        }
        let mut planned = Vec::with_capacity(drafts.len());
        let mut rows = Vec::with_capacity(drafts.len());
        for draft in drafts {
            let now = draft.at.unwrap_or_else(|| self.clock.now_ms());
            let name = draft.event.name();
            let event_id = uuid::Uuid::new_v4().to_string();
            let entity_id = draft.event.entity_id();
            // The payload of spec §9.11 as a JSON value: each recipient's copy gets its link
            // id and menu mapping, and the text of that value is what is stored, signed and
            // sent.
            let template = serde_json::to_value(Payload {
                header: EventHeader::new(name, &event_id, now),
                body: draft.event.typed_body(),
            })
            .map_err(|e| crate::ServiceError::Internal(format!("event payload: {e}")))?;
            rows.push(EventRow {
                id: event_id.clone(),
                name: name.to_string(),
                outlet_id: draft.outlet_id.clone(),
                entity_id: entity_id.clone(),
                request_id: draft.event.request_id(),
                payload: template.to_string(),
                created_at: now,
            });
            planned.push(Planned {
                draft,
                now,
                event_id,
                entity_id,
                template,
            });
        }
        outbox::insert_events(tx, &rows).await?;
        drop(rows);
        let mut routes_of: HashMap<(EventName, String), Vec<subscriptions::Route>> = HashMap::new();
        let mut counts = vec![0usize; planned.len()];
        let mut fan_out: Vec<Fanned> = Vec::new();
        let mut notes_of: Vec<(String, i64, String)> = Vec::new();
        let mut mapping_errors: Vec<(usize, String, WebhookError)> = Vec::new();
        for (index, p) in planned.iter().enumerate() {
            let draft = &p.draft;
            let name = draft.event.name();
            let key = (name, draft.outlet_id.clone());
            if !routes_of.contains_key(&key) {
                let routes = subscriptions::routes(
                    tx,
                    name.as_str(),
                    &draft.outlet_id,
                    draft.event.product().as_str(),
                    draft.event.read_scope(),
                )
                .await?;
                routes_of.insert(key.clone(), routes);
            }
            let routes = routes_of.get(&key).map(Vec::as_slice).unwrap_or_default();
            let (now, event_id, entity_id) = (p.now, &p.event_id, &p.entity_id);
            let mut routing: HashMap<String, Option<(Recipient, String, Option<ChaosConfig>)>> =
                HashMap::new();
            for route in routes {
                let sub = &route.subscription;
                if draft
                    .only_partner
                    .as_ref()
                    .is_some_and(|p| *p != sub.partner_id)
                {
                    continue;
                }
                if !routing.contains_key(&sub.partner_id) {
                    let partner = &route.partner;
                    let r = Self::recipient(route, draft);
                    let mut payload = p.template.clone();
                    if let Some(body) = payload.get_mut("body") {
                        set_external_outlet_id(body, r.external_outlet_id.as_deref());
                        // Spec §9.13: order items under this partner's mapping.
                        if r.allowed && name.carries_order_items() && has_order_items(body) {
                            let mapping =
                                self.menu_mapping(tx, &partner.id, &draft.outlet_id).await?;
                            let errors = apply_menu_mapping(body, &mapping);
                            if !errors.is_empty() {
                                mapping_errors.push((
                                    index,
                                    partner.id.clone(),
                                    WebhookError::after(name, body, errors),
                                ));
                            }
                        }
                    }
                    let sandbox = self.config.mode == gobiz_domain::model::Mode::Sandbox;
                    let chaos = route
                        .chaos
                        .as_deref()
                        .filter(|_| sandbox)
                        .and_then(|c| serde_json::from_str::<ChaosConfig>(c).ok())
                        .filter(|c| !c.is_off());
                    routing.insert(
                        sub.partner_id.clone(),
                        Some((r, payload.to_string(), chaos)),
                    );
                }
                let Some(Some((recipient, payload, chaos_cfg))) = routing.get(&sub.partner_id)
                else {
                    continue;
                };
                if !recipient.allowed {
                    continue;
                }
                let mut delivery = Delivery {
                    id: uuid::Uuid::new_v4().to_string(),
                    event_id: event_id.clone(),
                    subscription_id: sub.id.clone(),
                    partner_id: sub.partner_id.clone(),
                    event_name: name.to_string(),
                    entity_id: entity_id.clone(),
                    endpoint: sub.url.clone(),
                    idempotency_key: idempotency_key(event_id, &sub.id),
                    payload: payload.clone(),
                    headers: "{}".into(),
                    status: "pending".into(),
                    retries: 0,
                    next_attempt_at: now,
                    created_at: now,
                    updated_at: now,
                    chaos_seq: None,
                };
                let mut notes: Vec<String> = Vec::new();
                let mut copy: Option<Delivery> = None;
                if let Some(cfg) = chaos_cfg.clone() {
                    if let Some(seq) = chaos::next_seq(tx, &sub.partner_id).await? {
                        let decided = cfg.at_fan_out(seq);
                        delivery.chaos_seq = Some(seq);
                        delivery.next_attempt_at = now + decided.hold_ms;
                        notes.extend(decided.hold_note);
                        if let Some(gap) = decided.duplicate_gap_ms {
                            let copy_id = uuid::Uuid::new_v4().to_string();
                            notes.push(gobiz_domain::chaos::duplicated_note(&copy_id, gap));
                            copy = Some(Delivery {
                                id: copy_id,
                                next_attempt_at: delivery.next_attempt_at + gap,
                                chaos_seq: chaos::next_seq(tx, &sub.partner_id).await?,
                                ..delivery.clone()
                            });
                        }
                    }
                }
                notes_of.extend(notes.into_iter().map(|n| (delivery.id.clone(), now, n)));
                let fanned = |delivery: Delivery| Fanned {
                    delivery,
                    secret: route.secret.clone(),
                    standard_webhooks: route.partner.standard_webhooks,
                };
                fan_out.push(fanned(delivery.clone()));
                counts[index] += 1;
                if let Some(copy) = copy {
                    notes_of.push((
                        copy.id.clone(),
                        now,
                        gobiz_domain::chaos::copy_note(&delivery.id),
                    ));
                    fan_out.push(fanned(copy));
                    counts[index] += 1;
                }
            }
        }
        // Deliveries this node's dispatcher can send as soon as the transaction commits are
        // written leased to it and handed over then (no claim); the others wait for a claim.
        let due = self.clock.now_ms();
        let offer = fan_out
            .iter()
            .any(|f| f.can_hand_over(due))
            .then(|| self.dispatcher.offer_lease())
            .flatten();
        let (leased, claimable): (Vec<Fanned>, Vec<Fanned>) = match &offer {
            Some(_) => fan_out.into_iter().partition(|f| f.can_hand_over(due)),
            None => (Vec::new(), fan_out),
        };
        // One statement for the whole fan-out (bounded in parameters), then the chaos notes
        // on its deliveries.
        let claimable: Vec<Delivery> = claimable.into_iter().map(|f| f.delivery).collect();
        for chunk in claimable.chunks(DELIVERIES_PER_STATEMENT) {
            outbox::insert_deliveries(tx, chunk, None).await?;
        }
        if !claimable.is_empty() {
            let wake = self.wake.clone();
            tx.after_commit(move || wake.notify_one());
        }
        if let Some(offer) = offer {
            let (rows, signing): (Vec<Delivery>, Vec<(String, bool)>) = leased
                .into_iter()
                .map(|f| (f.delivery, (f.secret, f.standard_webhooks)))
                .unzip();
            for chunk in rows.chunks(DELIVERIES_PER_STATEMENT) {
                outbox::insert_deliveries(tx, chunk, Some(offer.lease())).await?;
            }
            let mut claimed = Vec::with_capacity(rows.len());
            for (delivery, (secret, standard_webhooks)) in rows.into_iter().zip(signing) {
                claimed.push(outbox::Claimed {
                    delivery,
                    secret,
                    standard_webhooks,
                    chaos: None,
                    history_len: Some(0),
                });
            }
            let dispatcher = self.dispatcher.clone();
            tx.after_commit(move || dispatcher.hand_over(&offer, claimed));
        }
        for (id, at, note) in &notes_of {
            outbox::note(tx, id, *at, note).await?;
        }
        for (index, partner_id, error) in mapping_errors {
            let p = &planned[index];
            let draft = EventDraft {
                event: Event::WebhookError(error),
                outlet_id: p.draft.outlet_id.clone(),
                only_partner: Some(partner_id),
                at: Some(p.now + 1),
            };
            let extra = Box::pin(self.emit(tx, draft)).await?;
            counts[index] += extra.deliveries;
        }
        Ok(planned
            .into_iter()
            .zip(counts)
            .map(|(p, deliveries)| Emitted {
                event_id: p.event_id,
                deliveries,
            })
            .collect())
    }

    /// The partner's menu mapping of the outlet: GoBiz id → partner id of every item and
    /// variant (empty without a mapping).
    async fn menu_mapping(
        &self,
        tx: &mut Tx,
        partner_id: &str,
        outlet_id: &str,
    ) -> ServiceResult<HashMap<String, String>> {
        let mapping: HashMap<String, String> =
            match catalogs::mapping(tx, outlet_id, partner_id).await? {
                Some(doc) => mapping_ids(&doc),
                None => HashMap::new(),
            };
        Ok(mapping)
    }

    /// Tells the local dispatcher that deliveries may be due (after a commit or a clock move).
    pub fn wake_dispatcher(&self) {
        self.wake.notify_one();
    }
}

/// GoBiz id → partner id of every item and variant of a stored menu mapping.
fn mapping_ids(doc: &Value) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let pairs = |v: &Value| {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| {
                Some((
                    e.get("id")?.as_str()?.to_string(),
                    e.get("external_id")?.as_str()?.to_string(),
                ))
            })
            .collect::<Vec<_>>()
    };
    for m in doc
        .get("menus")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.extend(pairs(m.get("menu_items").unwrap_or(&Value::Null)));
    }
    for vc in doc
        .get("variant_categories")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.extend(pairs(vc.get("variants").unwrap_or(&Value::Null)));
    }
    out
}
