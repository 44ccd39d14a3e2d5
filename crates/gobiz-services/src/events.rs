//! Writing events into the outbox with their fan-out (spec §9.6), inside the caller's
//! transaction: the event, its deliveries and the state change commit together or not at all.

use crate::{ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::entities::Partner;
use gobiz_domain::events::{entity_id_of, product_of, read_scope_of};
use gobiz_domain::model::PartnerType;
use gobiz_domain::timefmt::jakarta_millis;
use gobiz_domain::webhook::idempotency_key;
use gobiz_store::outbox::{self, Delivery, EventRow};
use gobiz_store::{catalogs, clients, links, outlets, partners, subscriptions, Tx};
use serde_json::{json, Value};
use std::collections::HashMap;

/// An event to emit.
#[derive(Debug, Clone)]
pub struct EventDraft {
    /// One of the eleven event names.
    pub name: String,
    /// Outlet it concerns.
    pub outlet_id: String,
    /// The `body` of the payload; `body.outlet.external_outlet_id`, when present, is set per
    /// recipient from its link.
    pub body: Value,
    /// Catalog push request id, if any.
    pub request_id: Option<String>,
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

/// Per-partner routing facts gathered once per event.
struct Recipient {
    allowed: bool,
    external_outlet_id: Option<String>,
}

impl Services {
    async fn recipient(
        &self,
        tx: &mut Tx,
        partner: &Partner,
        draft: &EventDraft,
        merchant_id: &str,
    ) -> ServiceResult<Recipient> {
        let scope = read_scope_of(&draft.name);
        let mut holds = partner.read_scopes.iter().any(|s| s == scope);
        if !holds {
            holds = clients::scopes_of_partner(tx, &partner.id)
                .await?
                .iter()
                .any(|s| s == scope);
        }
        let (reachable, external) = match partner.kind {
            PartnerType::Direct => (partner.owns(merchant_id), None),
            PartnerType::Facilitator => {
                match links::get(tx, &partner.id, &draft.outlet_id, product_of(&draft.name)).await?
                {
                    Some(l) => (true, Some(l.external_outlet_id)),
                    None => (false, None),
                }
            }
        };
        Ok(Recipient {
            allowed: holds && reachable,
            external_outlet_id: external,
        })
    }

    /// Writes the event and one delivery per matching subscription in `tx`. Call
    /// [`Services::wake_dispatcher`] after committing.
    pub async fn emit(&self, tx: &mut Tx, draft: EventDraft) -> ServiceResult<Emitted> {
        let now = draft.at.unwrap_or_else(|| self.clock.now_ms());
        let event_id = uuid::Uuid::new_v4().to_string();
        let header = json!({
            "event_name": draft.name,
            "event_id": event_id,
            "version": 1,
            "timestamp": jakarta_millis(now),
        });
        let entity_id = entity_id_of(&draft.name, &draft.body);
        let template = json!({ "header": header, "body": draft.body });
        outbox::insert_event(
            tx,
            &EventRow {
                id: event_id.clone(),
                name: draft.name.clone(),
                outlet_id: draft.outlet_id.clone(),
                entity_id: entity_id.clone(),
                request_id: draft.request_id.clone(),
                payload: template.to_string(),
                created_at: now,
            },
        )
        .await?;
        let Some(outlet) = outlets::get(tx, &draft.outlet_id).await? else {
            return Ok(Emitted {
                event_id,
                deliveries: 0,
            });
        };
        let mut routing: HashMap<String, Option<(Recipient, String)>> = HashMap::new();
        let mut mapping_errors: Vec<(String, Value)> = Vec::new();
        let mut count = 0;
        for sub in subscriptions::candidates(tx, &draft.name, &draft.outlet_id).await? {
            if draft
                .only_partner
                .as_ref()
                .is_some_and(|p| *p != sub.partner_id)
            {
                continue;
            }
            if !routing.contains_key(&sub.partner_id) {
                let entry = match partners::get(tx, &sub.partner_id).await? {
                    Some(p) => {
                        let r = self.recipient(tx, &p, &draft, &outlet.merchant_id).await?;
                        let mut payload = template.clone();
                        if let Some(o) = payload
                            .pointer_mut("/body/outlet")
                            .and_then(Value::as_object_mut)
                        {
                            if o.contains_key("external_outlet_id") {
                                o.insert("external_outlet_id".into(), json!(r.external_outlet_id));
                            }
                        }
                        if r.allowed && is_order_status_event(&draft.name) {
                            if let Some(body) = payload.get_mut("body") {
                                let errors = self
                                    .apply_menu_mapping(tx, &p.id, &draft.outlet_id, body)
                                    .await?;
                                if !errors.is_empty() {
                                    mapping_errors.push((
                                        p.id.clone(),
                                        webhook_error_body(&draft.name, body, errors),
                                    ));
                                }
                            }
                        }
                        Some((r, payload.to_string()))
                    }
                    None => None,
                };
                routing.insert(sub.partner_id.clone(), entry);
            }
            let Some(Some((recipient, payload))) = routing.get(&sub.partner_id) else {
                continue;
            };
            if !recipient.allowed {
                continue;
            }
            outbox::insert_delivery(
                tx,
                &Delivery {
                    id: uuid::Uuid::new_v4().to_string(),
                    event_id: event_id.clone(),
                    subscription_id: sub.id.clone(),
                    partner_id: sub.partner_id.clone(),
                    event_name: draft.name.clone(),
                    entity_id: entity_id.clone(),
                    endpoint: sub.url.clone(),
                    idempotency_key: idempotency_key(&event_id, &sub.id),
                    payload: payload.clone(),
                    headers: "{}".into(),
                    status: "pending".into(),
                    retries: 0,
                    next_attempt_at: now,
                    created_at: now,
                    updated_at: now,
                },
            )
            .await?;
            count += 1;
        }
        for (partner_id, body) in mapping_errors {
            let draft = EventDraft {
                name: "gofood.order.webhook_error".into(),
                outlet_id: draft.outlet_id.clone(),
                body,
                request_id: None,
                only_partner: Some(partner_id),
                at: Some(now + 1),
            };
            let extra = Box::pin(self.emit(tx, draft)).await?;
            count += extra.deliveries;
        }
        Ok(Emitted {
            event_id,
            deliveries: count,
        })
    }

    /// Replaces the order items' and variants' `external_id` with the partner's menu mapping
    /// (spec §9.13): `null` for what the mapping lacks; returns one error per unmapped entry.
    async fn apply_menu_mapping(
        &self,
        tx: &mut Tx,
        partner_id: &str,
        outlet_id: &str,
        body: &mut Value,
    ) -> ServiceResult<Vec<Value>> {
        let has_items = body
            .pointer("/order/order_items")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        if !has_items {
            return Ok(Vec::new());
        }
        let mapping: HashMap<String, String> =
            match catalogs::mapping(tx, outlet_id, partner_id).await? {
                Some(doc) => mapping_ids(&doc),
                None => HashMap::new(),
            };
        let mut errors = Vec::new();
        let Some(items) = body
            .pointer_mut("/order/order_items")
            .and_then(Value::as_array_mut)
        else {
            return Ok(errors);
        };
        for item in items {
            let item_id = item
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let name = item
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let mapped = mapping.get(&item_id).cloned();
            if mapped.is_none() {
                errors.push(json!({
                    "code": "MENU_MAPPING_NOT_FOUND", "order_item_id": item_id, "variant_id": null,
                    "message": format!("Order item {name} has no external_id in this partner's menu mapping"),
                }));
            }
            item["external_id"] = json!(mapped);
            if let Some(variants) = item.get_mut("variants").and_then(Value::as_array_mut) {
                for v in variants {
                    let vid = v
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    let vname = v
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    let vm = mapping.get(&vid).cloned();
                    if vm.is_none() {
                        errors.push(json!({
                            "code": "MENU_MAPPING_NOT_FOUND", "order_item_id": item_id, "variant_id": vid,
                            "message": format!("Variant {vname} of order item {name} has no external_id in this partner's menu mapping"),
                        }));
                    }
                    v["external_id"] = json!(vm);
                }
            }
        }
        Ok(errors)
    }

    /// Tells the local dispatcher that deliveries may be due (after a commit or a clock move).
    pub fn wake_dispatcher(&self) {
        self.wake.notify_one();
    }
}

/// The eight order-status events carry order items; `webhook_error` does not.
fn is_order_status_event(name: &str) -> bool {
    name.starts_with("gofood.order.") && name != "gofood.order.webhook_error"
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

/// The §9.13 body naming what the partner's mapping lacks.
fn webhook_error_body(failed_event: &str, body: &Value, errors: Vec<Value>) -> Value {
    json!({
        "service_type": body.get("service_type").cloned().unwrap_or(Value::Null),
        "outlet": body.get("outlet").cloned().unwrap_or(Value::Null),
        "order": {
            "order_number": body.pointer("/order/order_number").cloned().unwrap_or(Value::Null),
            "status": body.pointer("/order/status").cloned().unwrap_or(Value::Null),
        },
        "failed_event_name": failed_event,
        "errors": errors,
    })
}
