//! Routing facts of every event, and the bodies byte for byte as the code before [`Event`]
//! wrote them (the old builders are kept below as the oracle).

use super::*;
use crate::catalog::{parse_push, PreviousIds};
use crate::model::AcceptanceMode;
use crate::order::{
    AppliedPromotion, NewOrderParts, Order, OrderItem, OrderState, OrderType, OrderVariant,
};
use crate::payment::{Transaction, TransactionDraft};
use crate::timefmt::jakarta_millis;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::HashMap;

/// `body` read as the typed body `B` and written back.
fn typed_again<B: serde::de::DeserializeOwned + serde::Serialize>(body: &Value) -> Value {
    serde_json::to_value(serde_json::from_value::<B>(body.clone()).unwrap()).unwrap()
}

/// A whole payload as the outbox writes it reads back as `Payload<OrderEventBody>`.
#[test]
fn payload_envelope_is_typed() {
    let o = fixed_order();
    let v = serde_json::to_value(Payload {
        header: EventHeader::new(EventName::of_order_state(o.state()), "e-1", 1_000),
        body: Event::order_status(&o).typed_body(),
    })
    .unwrap();
    assert_eq!(
        v["header"],
        json!({ "event_name": o.state().event(), "event_id": "e-1", "version": 1, "timestamp": jakarta_millis(1_000) })
    );
    assert_eq!(v["body"], Event::order_status(&o).body());
    let typed: Payload<OrderEventBody> = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(serde_json::to_value(typed).unwrap(), v);
}

// --- The oracle: the builders as they were before `Event` -----------------------------------

/// `Order::webhook_body` as it was.
fn old_order_body(o: &Order) -> Value {
    json!({
        "service_type": o.order_type().service_type(),
        "outlet": { "id": o.outlet_id(), "external_outlet_id": null },
        "customer": { "id": o.customer_id(), "name": o.customer_name() },
        "driver": o.driver().map(|n| json!({ "name": n })),
        "order": {
            "status": o.state().as_str(),
            "pin": o.pin(),
            "order_number": o.order_number(),
            "order_total": o.order_total(),
            "currency": "IDR",
            "created_at": jakarta_millis(o.created_at()),
            "cutlery_requested": o.cutlery_requested(),
            "takeaway_charges": o.takeaway_charges(),
            "applied_promotions": o.applied_promotions().iter().map(|p| json!({
                "id": p.id, "promo_type": "sku_promo", "item_id": p.item_id, "external_menu_id": p.external_menu_id,
                "original_price": p.original_price, "selling_price": p.selling_price,
            })).collect::<Vec<_>>(),
            "scheduled_flag": null,
            "cancellation_detail": o.cancellation().map(|(r, c)| json!({ "reason": r, "reason_code": c })),
            "order_items": o.items().iter().map(|i| json!({
                "id": i.id,
                "external_id": i.external_id,
                "name": i.name,
                "quantity": i.quantity,
                "price": i.price,
                "notes": i.notes,
                "sku_promo_id": i.sku_promo_id,
                "variants": i.variants.iter().map(|v| json!({ "id": v.id, "external_id": v.external_id, "name": v.name })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        },
    })
}

/// `Transaction::settlement_body` as it was.
fn old_settlement_body(t: &Transaction) -> Value {
    json!({
        "outlet": { "id": t.outlet_id(), "pop_id": t.pop_id() },
        "transaction": {
            "id": t.id(), "payment_type": "qris", "status": t.status(), "qris_string": t.qris_string(),
            "order_id": t.order_id(), "gross_amount": t.gross_amount(), "currency": "IDR",
            "created_at": jakarta_millis(t.created_at()), "settlement_at": t.settlement_at().map(jakarta_millis),
        },
    })
}

/// `Catalog::mapping_body` and the services' `json!` around it, as they were: the stored
/// mapping and the event body.
fn old_mapping(
    catalog: &crate::catalog::Catalog,
    outlet_id: &str,
    external: Option<&str>,
) -> (Value, Value) {
    let menus = Value::Array(catalog
        .menus
        .iter()
        .map(|m| json!({
            "id": m.id,
            "name": m.name,
            "menu_items": m.menu_items.iter().map(|i| json!({ "id": i.id, "external_id": i.external_id })).collect::<Vec<_>>(),
        }))
        .collect::<Vec<_>>());
    let categories = Value::Array(catalog
        .variant_categories
        .iter()
        .map(|vc| json!({
            "id": vc.id,
            "external_id": vc.external_id,
            "variants": vc.variants.iter().map(|v| json!({ "id": v.id, "external_id": v.external_id })).collect::<Vec<_>>(),
        }))
        .collect::<Vec<_>>());
    let stored = json!({ "menus": menus, "variant_categories": categories });
    let body = json!({
        "request_id": catalog.request_id,
        "outlet": { "id": outlet_id, "external_outlet_id": external },
        "menus": menus,
        "variant_categories": categories,
    });
    (stored, body)
}

/// The services' `apply_menu_mapping` as it was (after the `has_items` check).
fn old_apply(body: &mut Value, mapping: &HashMap<String, String>) -> Vec<Value> {
    let mut errors = Vec::new();
    let Some(items) = body
        .pointer_mut("/order/order_items")
        .and_then(Value::as_array_mut)
    else {
        return errors;
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
    errors
}

/// The services' `webhook_error_body` as it was.
fn old_webhook_error_body(failed_event: &str, body: &Value, errors: Vec<Value>) -> Value {
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

/// The names as the spec lists them (the `ALL_EVENTS` of before).
const SPEC_NAMES: [&str; 11] = [
    "gofood.order.created",
    "gofood.order.awaiting_merchant_acceptance",
    "gofood.order.merchant_accepted",
    "gofood.order.driver_otw_pickup",
    "gofood.order.driver_arrived",
    "gofood.order.placed",
    "gofood.order.completed",
    "gofood.order.cancelled",
    "gofood.order.webhook_error",
    "gofood.catalog.menu_mapping_updated",
    "payment.transaction.settlement",
];

// --- Fixtures ---------------------------------------------------------------------------------

fn item(id: &str, name: &str, variants: &[(&str, &str)]) -> OrderItem {
    OrderItem {
        id: id.into(),
        external_id: format!("ext-{id}"),
        name: name.into(),
        quantity: 2,
        price: 25_000,
        notes: "no onions".into(),
        variants: variants
            .iter()
            .map(|(id, name)| OrderVariant {
                id: (*id).into(),
                external_id: format!("ext-{id}"),
                name: (*name).into(),
            })
            .collect(),
        sku_promo_id: Some("promo-1".into()),
    }
}

/// A fixed delivery order, accepted, driven to the outlet and cancelled by the customer.
fn fixed_order() -> Order {
    let mut o = Order::created(
        NewOrderParts {
            outlet_id: "G000000001".into(),
            order_type: OrderType::Delivery,
            pin: "0420".into(),
            customer_id: "A".repeat(32),
            customer_name: "GoFood Customer".into(),
            items: vec![
                item("i-1", "Nasi Goreng", &[("v-1", "Pedas"), ("v-2", "Telur")]),
                item("i-2", "Es Teh", &[]),
            ],
            cutlery_requested: Some(true),
            takeaway_charges: 2_000,
            applied_promotions: vec![AppliedPromotion {
                id: "promo-1".into(),
                item_id: "i-1".into(),
                external_menu_id: "ext-i-1".into(),
                original_price: 30_000,
                selling_price: 25_000,
            }],
        },
        1_714_930_200_123,
    );
    o.set_number("F-123456789".into());
    o.place(AcceptanceMode::AutoAccept, 1_714_930_200_123)
        .unwrap();
    o.assign_driver("Budi", 1_714_930_260_000).unwrap();
    o.customer_cancel("Changed my mind", 1_714_930_300_000)
        .unwrap();
    o
}

fn fixed_transaction() -> Transaction {
    let mut t = Transaction::open(
        TransactionDraft {
            id: "6c0f3c52-7a49-4f43-9d56-0d1c2d3e4f50".into(),
            outlet_id: "G000000001".into(),
            pop_id: "b2a6f1de-0000-4000-8000-000000000001".into(),
            qris_string: "000201".into(),
            order_id: "order-1".into(),
            gross_amount: 5_000,
            metadata: json!({ "k": "v" }),
        },
        1_000,
    );
    t.settle(1_700_000_000_123).unwrap();
    t
}

fn fixed_catalog() -> crate::catalog::Catalog {
    let mut n = 0;
    parse_push(
        &json!({ "request_id": "req-1", "menus": [ { "name": "Makanan", "menu_items": [
            { "external_id": "X", "name": "x", "in_stock": true, "price": 1, "variant_category_external_ids": ["VC"] },
            { "external_id": "Y", "name": "y", "in_stock": true, "price": 2 } ] } ],
          "variant_categories": [ { "external_id": "VC", "name": "Level", "rules": { "selection": { "min_quantity": 0, "max_quantity": 1 } },
            "variants": [ { "external_id": "V1", "name": "Pedas", "in_stock": true, "price": 0 } ] } ] }),
        &PreviousIds::default(),
        &mut || {
            n += 1;
            format!("id-{n}")
        },
    )
    .unwrap()
}

// --- Bodies, byte for byte --------------------------------------------------------------------

#[test]
fn order_body_is_byte_identical() {
    let o = fixed_order();
    let e = Event::order_status(&o);
    assert_eq!(e.name(), EventName::OrderCancelled);
    assert_eq!(e.body().to_string(), old_order_body(&o).to_string());
    assert_eq!(
        Event::order_status(&o.as_created()).body().to_string(),
        old_order_body(&o.as_created()).to_string()
    );
    // A golden line, so that the shape cannot drift together with the oracle.
    assert_eq!(
        Event::order_status(&o.as_created()).body().to_string(),
        r#"{"customer":{"id":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","name":"GoFood Customer"},"driver":{"name":"Budi"},"order":{"applied_promotions":[{"external_menu_id":"ext-i-1","id":"promo-1","item_id":"i-1","original_price":30000,"promo_type":"sku_promo","selling_price":25000}],"cancellation_detail":{"reason":"Changed my mind","reason_code":"CUSTOMER_CANCELLED"},"created_at":"2024-05-06T00:30:00.123+07:00","currency":"IDR","cutlery_requested":true,"order_items":[{"external_id":"ext-i-1","id":"i-1","name":"Nasi Goreng","notes":"no onions","price":25000,"quantity":2,"sku_promo_id":"promo-1","variants":[{"external_id":"ext-v-1","id":"v-1","name":"Pedas"},{"external_id":"ext-v-2","id":"v-2","name":"Telur"}]},{"external_id":"ext-i-2","id":"i-2","name":"Es Teh","notes":"no onions","price":25000,"quantity":2,"sku_promo_id":"promo-1","variants":[]}],"order_number":"F-123456789","order_total":102000,"pin":"0420","scheduled_flag":null,"status":"CREATED","takeaway_charges":2000},"outlet":{"external_outlet_id":null,"id":"G000000001"},"service_type":"gofood"}"#
    );
}

#[test]
fn settlement_body_is_byte_identical() {
    let t = fixed_transaction();
    let e = Event::settlement(&t);
    assert_eq!(e.body().to_string(), old_settlement_body(&t).to_string());
    assert_eq!(
        e.body().to_string(),
        r#"{"outlet":{"id":"G000000001","pop_id":"b2a6f1de-0000-4000-8000-000000000001"},"transaction":{"created_at":"1970-01-01T07:00:01.000+07:00","currency":"IDR","gross_amount":5000,"id":"6c0f3c52-7a49-4f43-9d56-0d1c2d3e4f50","order_id":"order-1","payment_type":"qris","qris_string":"000201","settlement_at":"2023-11-15T05:13:20.123+07:00","status":"settlement"}}"#
    );
}

#[test]
fn mapping_body_and_document_are_byte_identical() {
    let c = fixed_catalog();
    for external in [None, Some("pos-1")] {
        let m = MenuMappingUpdated::of(&c, "G000000001", external.map(String::from));
        let (stored, body) = old_mapping(&c, "G000000001", external);
        assert_eq!(m.mapping_document().to_string(), stored.to_string());
        let e = Event::MenuMappingUpdated(m);
        assert_eq!(e.body().to_string(), body.to_string());
        assert_eq!(e.entity_id(), "req-1");
        assert_eq!(e.request_id().as_deref(), Some("req-1"));
    }
}

#[test]
fn webhook_error_body_is_byte_identical() {
    let o = fixed_order();
    let mapping = HashMap::from([("v-2".to_string(), "pos-v-2".to_string())]);
    let mut new = Event::order_status(&o).body();
    set_external_outlet_id(&mut new, Some("pos-outlet"));
    let mut old = new.clone();
    let errors = apply_menu_mapping(&mut new, &mapping);
    let old_errors = old_apply(&mut old, &mapping);
    assert_eq!(new.to_string(), old.to_string());
    assert_eq!(errors.len(), 3, "{errors:?}");
    let e = Event::WebhookError(WebhookError::after(EventName::OrderCancelled, &new, errors));
    let expected = old_webhook_error_body("gofood.order.cancelled", &old, old_errors);
    assert_eq!(e.body().to_string(), expected.to_string());
    assert_eq!(
        e.body().to_string(),
        r#"{"errors":[{"code":"MENU_MAPPING_NOT_FOUND","message":"Order item Nasi Goreng has no external_id in this partner's menu mapping","order_item_id":"i-1","variant_id":null},{"code":"MENU_MAPPING_NOT_FOUND","message":"Variant Pedas of order item Nasi Goreng has no external_id in this partner's menu mapping","order_item_id":"i-1","variant_id":"v-1"},{"code":"MENU_MAPPING_NOT_FOUND","message":"Order item Es Teh has no external_id in this partner's menu mapping","order_item_id":"i-2","variant_id":null}],"failed_event_name":"gofood.order.cancelled","order":{"order_number":"F-123456789","status":"CANCELLED"},"outlet":{"external_outlet_id":"pos-outlet","id":"G000000001"},"service_type":"gofood"}"#
    );
    assert_eq!(e.entity_id(), "F-123456789");
}

#[test]
fn outlet_link_id_is_set_only_where_named() {
    let mut order = Event::order_status(&fixed_order()).body();
    set_external_outlet_id(&mut order, Some("pos-1"));
    assert_eq!(
        order["outlet"],
        json!({ "id": "G000000001", "external_outlet_id": "pos-1" })
    );
    let mut pay = Event::settlement(&fixed_transaction()).body();
    let before = pay.clone();
    set_external_outlet_id(&mut pay, Some("pos-1"));
    assert_eq!(pay, before);
}

// --- Names and routing ------------------------------------------------------------------------

#[test]
fn names_in_spec_order_and_their_refusal() {
    let names: Vec<&str> = EventName::ALL.iter().map(|e| e.as_str()).collect();
    assert_eq!(names, SPEC_NAMES);
    let err = "gofood.order.teleported".parse::<EventName>().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "unknown event gofood.order.teleported; valid events: {}",
            SPEC_NAMES.join(", ")
        )
    );
    for s in OrderState::ALL {
        assert_eq!(EventName::of_order_state(s).order_state(), Some(s));
        assert_eq!(
            EventName::of_order_state(s).as_str(),
            format!("gofood.order.{}", s.as_str().to_ascii_lowercase())
        );
    }
}

fn event_name() -> impl Strategy<Value = EventName> {
    proptest::sample::select(EventName::ALL.to_vec())
}

proptest! {
    /// Every name: its wire form parses back, through `FromStr` and serde too, and the
    /// routing facts follow its family.
    #[test]
    fn name_routing_facts(e in event_name()) {
        let s = e.as_str();
        prop_assert_eq!(EventName::parse(s), Some(e));
        prop_assert_eq!(s.parse::<EventName>(), Ok(e));
        prop_assert_eq!(e.to_string(), s);
        prop_assert_eq!(serde_json::to_value(e).unwrap(), json!(s));
        prop_assert_eq!(serde_json::from_value::<EventName>(json!(s)).unwrap(), e);
        prop_assert_eq!(e.product() == crate::model::Product::Payment, s.starts_with("payment."));
        let scope = if s.starts_with("payment.") {
            "payment:transaction:read"
        } else if s.starts_with("gofood.catalog.") {
            "gofood:catalog:read"
        } else {
            "gofood:order:read"
        };
        prop_assert_eq!(e.read_scope(), scope);
        prop_assert_eq!(
            e.carries_order_items(),
            s.starts_with("gofood.order.") && e != EventName::OrderWebhookError
        );
        prop_assert_eq!(e.order_state().is_some(), e.carries_order_items());
    }

    /// A supplied body's entity id is read at the event's pointer (as `entity_id_of` did).
    #[test]
    fn custom_entity_id(e in event_name(), id in "[A-Za-z0-9-]{0,12}") {
        let body = json!({
            "order": { "order_number": format!("o{id}") },
            "request_id": format!("r{id}"),
            "transaction": { "id": format!("t{id}") },
        });
        let expected = match e.family() {
            EventFamily::Order => format!("o{id}"),
            EventFamily::Catalog => format!("r{id}"),
            EventFamily::Payment => format!("t{id}"),
        };
        let custom = Event::Custom { name: e, body: body.clone() };
        prop_assert_eq!(custom.entity_id(), expected);
        prop_assert_eq!(custom.body(), body);
        prop_assert_eq!(custom.name(), e);
        prop_assert_eq!(Event::Custom { name: e, body: json!({}) }.entity_id(), "");
    }
}

// --- Generated orders and transactions --------------------------------------------------------

#[derive(Debug, Clone)]
enum Step {
    Accept,
    Reject,
    Cancel,
    Driver,
    Advance,
    Prepared,
}

fn text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9 ]{0,10}"
}

fn order_item() -> impl Strategy<Value = OrderItem> {
    (
        "[a-z0-9]{1,6}",
        text(),
        text(),
        1i64..99,
        0i64..1_000_000,
        proptest::collection::vec(("[a-z0-9]{1,6}", text()), 0..3),
        proptest::option::of(text()),
    )
        .prop_map(
            |(id, name, notes, quantity, price, variants, promo)| OrderItem {
                external_id: format!("ext-{id}"),
                id,
                name,
                quantity,
                price,
                notes,
                variants: variants
                    .into_iter()
                    .map(|(id, name)| OrderVariant {
                        external_id: format!("ext-{id}"),
                        id,
                        name,
                    })
                    .collect(),
                sku_promo_id: promo,
            },
        )
}

fn order() -> impl Strategy<Value = Order> {
    (
        (
            any::<bool>(),
            "[0-9]{4}",
            "[0-9A-F]{32}",
            text(),
            "F-[0-9]{9}",
        ),
        proptest::collection::vec(order_item(), 0..4),
        (
            proptest::option::of(any::<bool>()),
            0i64..10_000,
            0i64..4_000_000_000_000,
        ),
        proptest::sample::select(vec![
            AcceptanceMode::AutoAccept,
            AcceptanceMode::AutoAcceptOnTimeout,
            AcceptanceMode::Manual,
        ]),
        proptest::collection::vec(
            prop_oneof![
                Just(Step::Accept),
                Just(Step::Reject),
                Just(Step::Cancel),
                Just(Step::Driver),
                Just(Step::Advance),
                Just(Step::Prepared),
            ],
            0..8,
        ),
    )
        .prop_map(
            |(
                (pickup, pin, customer_id, customer_name, number),
                items,
                (cutlery, takeaway, now),
                mode,
                steps,
            )| {
                let applied_promotions = items
                    .iter()
                    .filter_map(|i| {
                        Some(AppliedPromotion {
                            id: i.sku_promo_id.clone()?,
                            item_id: i.id.clone(),
                            external_menu_id: i.external_id.clone(),
                            original_price: i.price + 1,
                            selling_price: i.price,
                        })
                    })
                    .collect();
                let mut o = Order::created(
                    NewOrderParts {
                        outlet_id: "G000000001".into(),
                        order_type: if pickup {
                            OrderType::Pickup
                        } else {
                            OrderType::Delivery
                        },
                        pin,
                        customer_id,
                        customer_name,
                        items,
                        cutlery_requested: cutlery,
                        takeaway_charges: takeaway,
                        applied_promotions,
                    },
                    now,
                );
                o.set_number(number);
                let _ = o.place(mode, now);
                for (i, s) in steps.iter().enumerate() {
                    let at = now + 1_000 * (i as i64 + 1);
                    let _ = match s {
                        Step::Accept => o.accept(at).map(|_| ()),
                        Step::Reject => o.reject("Out of stock", "ITEMS_OUT_OF_STOCK", at),
                        Step::Cancel => o.customer_cancel("Cancelled by customer", at),
                        Step::Driver => o.assign_driver("GoFood Driver", at),
                        Step::Advance => o.advance(at).map(|_| ()),
                        Step::Prepared => o.food_prepared(at),
                    };
                }
                o
            },
        )
}

fn transaction() -> impl Strategy<Value = Transaction> {
    (
        "[0-9a-f-]{36}",
        "[A-Za-z0-9]{0,20}",
        "[a-z0-9-]{1,20}",
        1i64..100_000_000,
        0i64..4_000_000_000_000,
        proptest::option::of(0i64..1_000_000),
    )
        .prop_map(|(id, qris, order_id, gross, created, settled_after)| {
            let mut t = Transaction::open(
                TransactionDraft {
                    id,
                    outlet_id: "G000000001".into(),
                    pop_id: "b2a6f1de-0000-4000-8000-000000000001".into(),
                    qris_string: qris,
                    order_id,
                    gross_amount: gross,
                    metadata: json!({}),
                },
                created,
            );
            if let Some(after) = settled_after {
                t.settle(created + after).unwrap();
            }
            t
        })
}

proptest! {
    /// An order event: named after the order's state, carrying its items, its entity id at
    /// `/order/order_number` of its own body, and the body exactly as before.
    #[test]
    fn order_events(o in order()) {
        let e = Event::order_status(&o);
        let body = e.body();
        prop_assert_eq!(e.name(), EventName::of_order_state(o.state()));
        prop_assert_eq!(e.name().order_state(), Some(o.state()));
        prop_assert!(e.name().carries_order_items());
        prop_assert_eq!(e.read_scope(), "gofood:order:read");
        prop_assert_eq!(Some(e.entity_id()), body.pointer("/order/order_number").and_then(Value::as_str).map(String::from));
        prop_assert_eq!(e.request_id(), None);
        prop_assert_eq!(body.to_string(), old_order_body(&o).to_string());
    }

    /// What a partner receives of an order event and the `webhook_error` that follows, under
    /// any partial mapping, exactly as before; `webhook_error` carries no items.
    #[test]
    fn mapped_order_events(o in order(), keep in proptest::collection::vec(any::<bool>(), 16), external in proptest::option::of("[a-z0-9-]{1,8}")) {
        let ids: Vec<String> = o.items().iter().flat_map(|i| std::iter::once(i.id.clone()).chain(i.variants.iter().map(|v| v.id.clone()))).collect();
        let mapping: HashMap<String, String> = ids.iter().zip(keep.iter().cycle()).filter(|(_, k)| **k).map(|(id, _)| (id.clone(), format!("p-{id}"))).collect();
        let e = Event::order_status(&o);
        let mut new = e.body();
        set_external_outlet_id(&mut new, external.as_deref());
        let mut old = new.clone();
        prop_assert_eq!(has_order_items(&new), !o.items().is_empty());
        let errors = apply_menu_mapping(&mut new, &mapping);
        let old_errors = old_apply(&mut old, &mapping);
        prop_assert_eq!(new.to_string(), old.to_string());
        prop_assert_eq!(errors.iter().map(|e| serde_json::to_value(MappingErrorEntry::from(e)).unwrap()).collect::<Vec<_>>(), old_errors.clone());
        let err = Event::WebhookError(WebhookError::after(e.name(), &new, errors));
        let body = err.body();
        prop_assert_eq!(body.to_string(), old_webhook_error_body(e.name().as_str(), &old, old_errors).to_string());
        prop_assert_eq!(err.name(), EventName::OrderWebhookError);
        prop_assert!(!err.name().carries_order_items());
        prop_assert_eq!(err.read_scope(), "gofood:order:read");
        prop_assert_eq!(Some(err.entity_id()), body.pointer("/order/order_number").and_then(Value::as_str).map(String::from));
        // What is sent, mapped for this partner, is exactly the typed bodies (and so the
        // OpenAPI schemas made from them).
        prop_assert_eq!(typed_again::<OrderEventBody>(&new), new);
        prop_assert_eq!(typed_again::<WebhookErrorBody>(&body), body);
    }

    /// A settlement: a payment event, its entity id at `/transaction/id`, the body as before.
    #[test]
    fn settlement_events(t in transaction()) {
        let e = Event::settlement(&t);
        let body = e.body();
        prop_assert_eq!(e.name(), EventName::PaymentTransactionSettlement);
        prop_assert_eq!(e.product(), crate::model::Product::Payment);
        prop_assert_eq!(e.read_scope(), "payment:transaction:read");
        prop_assert!(!e.name().carries_order_items());
        prop_assert_eq!(Some(e.entity_id()), body.pointer("/transaction/id").and_then(Value::as_str).map(String::from));
        prop_assert_eq!(body.to_string(), old_settlement_body(&t).to_string());
        prop_assert_eq!(typed_again::<SettlementBody>(&body), body);
    }

    /// A mapping event: its entity id is its `request_id` at `/request_id`.
    #[test]
    fn mapping_events(request_id in "[a-z0-9-]{1,36}", external in proptest::option::of("[a-z0-9-]{1,8}")) {
        let mut c = fixed_catalog();
        c.request_id = request_id.clone();
        let e = Event::MenuMappingUpdated(MenuMappingUpdated::of(&c, "G000000001", external.clone()));
        let body = e.body();
        prop_assert_eq!(e.name(), EventName::CatalogMenuMappingUpdated);
        prop_assert_eq!(e.read_scope(), "gofood:catalog:read");
        prop_assert_eq!(e.product(), crate::model::Product::Gofood);
        prop_assert_eq!(Some(e.entity_id()), body.pointer("/request_id").and_then(Value::as_str).map(String::from));
        prop_assert_eq!(body.to_string(), old_mapping(&c, "G000000001", external.as_deref()).1.to_string());
        prop_assert_eq!(typed_again::<MenuMappingUpdated>(&body), body);
    }
}
