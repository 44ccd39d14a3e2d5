//! The top-level `webhooks` of the document (OpenAPI 3.1): one `post` per notification event
//! of spec §9.1, describing the request gobiz sends to a subscription's URL — when and to whom
//! (§9.6), its headers (§9.7, §9.7.1), its body (the typed payloads of
//! `gobiz_domain::events`, §9.11–§9.15) with the spec's example, and what the receiver's
//! answer means (§9.8). The payload schemas go into `components.schemas`.

use gobiz_domain::events::{
    EventFamily, EventHeader, EventName, MenuMappingUpdated, OrderEventBody, Payload,
    SettlementBody, WebhookErrorBody,
};
use serde_json::Value;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{
    Components, ContentBuilder, OpenApi, Paths, RefOr, Required, ResponseBuilder, ResponsesBuilder,
};
use utoipa::{PartialSchema, ToSchema};

/// The tag of the webhook operations.
const TAG: &str = "Notifications";

/// The component name of each body's envelope schema.
fn payload_schema(name: EventName) -> &'static str {
    match name.family() {
        EventFamily::Catalog => "MenuMappingUpdatedPayload",
        EventFamily::Payment => "SettlementPayload",
        EventFamily::Order if name == EventName::OrderWebhookError => "WebhookErrorPayload",
        EventFamily::Order => "OrderEventPayload",
    }
}

/// `T` and every schema it refers to.
fn add<T: ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>) {
    out.push((T::name().into_owned(), T::schema()));
    T::schemas(out);
}

/// The envelope `Payload<B>` (spec §9.11) under `name`, and what `B` refers to.
fn add_payload<B: ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>, name: &str) {
    out.push((name.to_string(), <Payload<B> as PartialSchema>::schema()));
    add::<B>(out);
}

/// Every schema the webhooks name.
fn schemas() -> Vec<(String, RefOr<Schema>)> {
    let mut out = Vec::new();
    add::<EventHeader>(&mut out);
    add::<EventName>(&mut out);
    add_payload::<OrderEventBody>(&mut out, "OrderEventPayload");
    add_payload::<WebhookErrorBody>(&mut out, "WebhookErrorPayload");
    add_payload::<MenuMappingUpdated>(&mut out, "MenuMappingUpdatedPayload");
    add_payload::<SettlementBody>(&mut out, "SettlementPayload");
    out
}

/// One-line summary of each event.
fn summary(name: EventName) -> &'static str {
    match name {
        EventName::OrderCreated => "Order created (legacy)",
        EventName::OrderAwaitingMerchantAcceptance => "Order awaiting merchant acceptance",
        EventName::OrderMerchantAccepted => "Order accepted by the merchant",
        EventName::OrderDriverOtwPickup => "Driver on the way to the outlet",
        EventName::OrderDriverArrived => "Driver arrived at the outlet",
        EventName::OrderPlaced => "Food handed over, order placed",
        EventName::OrderCompleted => "Order completed",
        EventName::OrderCancelled => "Order cancelled",
        EventName::OrderWebhookError => "Order event with unmapped items",
        EventName::CatalogMenuMappingUpdated => "Menu mapping updated after a catalog push",
        EventName::PaymentTransactionSettlement => "Payment transaction settled",
    }
}

/// When the event is sent (spec §9.1, §9.12–§9.15).
fn trigger(name: EventName) -> &'static str {
    match name {
        EventName::OrderCreated => {
            "Sent when a GoFood order is placed (state `CREATED`, transient). GoBiz no longer \
             lists this event; it is still sent to subscriptions that name it. `driver` and \
             `cancellation_detail` are `null`."
        }
        EventName::OrderAwaitingMerchantAcceptance => {
            "Sent when an order starts waiting for the merchant to accept or reject it (state \
             `AWAITING_MERCHANT_ACCEPTANCE`, spec §5.2). `driver` and `cancellation_detail` are \
             `null`."
        }
        EventName::OrderMerchantAccepted => {
            "Sent when the order is accepted: by the merchant through the API, by an \
             auto-accepting outlet, or by the acceptance timer (state `MERCHANT_ACCEPTED`). \
             `driver` is still `null`."
        }
        EventName::OrderDriverOtwPickup => {
            "Sent when a driver is assigned to a delivery order and heads to the outlet (state \
             `DRIVER_OTW_PICKUP`); `driver` names them."
        }
        EventName::OrderDriverArrived => {
            "Sent when the driver reaches the outlet (state `DRIVER_ARRIVED`)."
        }
        EventName::OrderPlaced => {
            "Sent when the food is handed over and the transaction is settled (state `PLACED`); \
             `driver` is set for delivery, `null` for pickup."
        }
        EventName::OrderCompleted => "Sent when the order is completed (state `COMPLETED`).",
        EventName::OrderCancelled => {
            "Sent when the order is cancelled (state `CANCELLED`): rejected by the merchant \
             (`reason_code` = its `cancel_reason_code`), not accepted in time on a manual outlet \
             (`MERCHANT_TIMEOUT`), or cancelled by the customer (`CUSTOMER_CANCELLED`). \
             `cancellation_detail` says which; `driver` is as it was at cancellation."
        }
        EventName::OrderWebhookError => {
            "Sent when an order event went to a partner and one of the order's items or \
             variants is not in that partner's current menu mapping (spec §4.2), e.g. the \
             partner never pushed a catalog, or another partner's menu is live. The order event \
             itself is still delivered, with `external_id: null` for those entries; this event \
             names each of them. Sent only to that partner."
        }
        EventName::CatalogMenuMappingUpdated => {
            "Sent after each accepted catalog push (spec §4.1), when the menu mapping is done: \
             the GoBiz ids given to the partner's menus, items, variant categories and \
             variants. Sent only to the partner that pushed."
        }
        EventName::PaymentTransactionSettlement => {
            "Sent when a QRIS payment transaction is paid (`pending` → `settlement`, spec §7). \
             `outlet` and `transaction` are as in Get Transaction, with times in `+07:00` and \
             milliseconds."
        }
    }
}

/// Where troubleshooting finds the deliveries of an event (spec §9.10).
fn entity(name: EventName) -> &'static str {
    match name.family() {
        EventFamily::Order => "the order number (`body.order.order_number`)",
        EventFamily::Catalog => "the push's `request_id` (`body.request_id`)",
        EventFamily::Payment => "the transaction id (`body.transaction.id`)",
    }
}

/// The whole description of an event's operation.
fn description(name: EventName) -> String {
    format!(
        "{trigger}\n\n\
         **Who receives it** (spec §9.6): every active subscription to `{event}` — general, or \
         for the event's outlet — of a partner that is linked to (or owns) the outlet for the \
         `{product}` product and holds the read scope `{scope}` (granted to one of its clients, \
         or configured on the partner). Each matching subscription gets its own delivery and \
         its own `X-Go-Idempotency-Key`, even when two share a URL.\n\n\
         **Delivery** (spec §9.7–§9.9): `POST` to the subscription's URL with the payload as \
         body; `X-Go-Signature` is the lower-case hex HMAC-SHA256 of exactly those bytes, keyed \
         with the partner's notification secret — drop a request whose signature does not \
         match. Delivery is at least once (dedupe on `X-Go-Idempotency-Key` or \
         `header.event_id`), in no guaranteed order (ignore stale states), and new fields may \
         appear (parse leniently). Optional values are `null`, never absent. Answer within 5 s; \
         an attempt times out after 15 s.\n\n\
         Troubleshooting (`GET /integrations/partner/notifications?entity_id=…`) lists the \
         deliveries under {entity}.",
        trigger = trigger(name),
        event = name.as_str(),
        product = name.product().as_str(),
        scope = name.read_scope(),
        entity = entity(name),
    )
}

/// A request header of the delivery.
fn header(
    name: &str,
    required: bool,
    description: &str,
    schema: Schema,
    example: &str,
) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .description(Some(description))
        .schema(Some(schema))
        .example(Some(Value::from(example)))
        .build()
}

/// A string schema with `pattern` (or a constant) and `format`.
fn string(pattern: Option<&str>, constant: Option<&str>, format: Option<&str>) -> Schema {
    let mut b = ObjectBuilder::new().schema_type(Type::String);
    if let Some(p) = pattern {
        b = b.pattern(Some(p));
    }
    if let Some(c) = constant {
        b = b.enum_values(Some([c]));
    }
    if let Some(f) = format {
        b = b.format(Some(utoipa::openapi::SchemaFormat::Custom(f.to_string())));
    }
    b.into()
}

/// The headers of every delivery (spec §9.7, §9.7.1).
fn headers() -> Vec<Parameter> {
    let user_agent = format!("gobiz-webhooks/{}", env!("CARGO_PKG_VERSION"));
    vec![
        header(
            "Content-Type",
            true,
            "Always `application/json`.",
            string(None, Some("application/json"), None),
            "application/json",
        ),
        header(
            "Accept",
            true,
            "Always `application/json`.",
            string(None, Some("application/json"), None),
            "application/json",
        ),
        header(
            "X-Go-Signature",
            true,
            "Lower-case hex HMAC-SHA256 of the raw body, keyed with the ASCII text of the \
             partner's notification secret. Check it on the exact bytes received: \
             `hex(HMAC_SHA256(key = notification_secret, msg = raw_body)) == X-Go-Signature`. \
             No timestamp is signed.",
            string(Some("^[0-9a-f]{64}$"), None, None),
            "1158ebcb7e821406f0b4993a504d6d561177c494662dad890d651f94f3f08216",
        ),
        header(
            "X-Go-Idempotency-Key",
            true,
            "Identical on every retry of this event to this subscription: the UUIDv5 with \
             namespace `header.event_id` and name the subscription id.",
            string(None, None, Some("uuid")),
            "446cb8ae-8fe3-5c2c-9e9f-c677f37c5e5c",
        ),
        header(
            "User-Agent",
            true,
            "`gobiz-webhooks/<server version>`.",
            string(Some("^gobiz-webhooks/"), None, None),
            &user_agent,
        ),
        header(
            "webhook-id",
            false,
            "Standard Webhooks (spec §9.7.1), only for partners that enabled them: the \
             `X-Go-Idempotency-Key` value.",
            string(None, None, Some("uuid")),
            "446cb8ae-8fe3-5c2c-9e9f-c677f37c5e5c",
        ),
        header(
            "webhook-timestamp",
            false,
            "Standard Webhooks, only for partners that enabled them: Unix seconds of the \
             attempt.",
            string(Some("^[0-9]+$"), None, None),
            "1714712400",
        ),
        header(
            "webhook-signature",
            false,
            "Standard Webhooks, only for partners that enabled them: `v1,` + base64 of \
             HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}` with the same key. A \
             Standard Webhooks library verifies it given the secret `whsec_` + base64(secret \
             ASCII bytes).",
            string(Some("^v1,[A-Za-z0-9+/]+={0,2}$"), None, None),
            "v1,<base64-signature>",
        ),
    ]
}

/// How the receiver's answer is read (spec §9.8).
fn responses() -> utoipa::openapi::Responses {
    let answers = [
        (
            "2XX",
            "Delivered: no retry (`delivery_status` `delivered`).",
        ),
        ("301", "Not followed; no retry (`dead`)."),
        ("302", "Not followed; no retry (`dead`)."),
        ("303", "Not followed; no retry (`dead`)."),
        (
            "307",
            "Followed with `POST` and the same body and headers, up to 5 redirects within \
             the attempt (each target checked like a subscription URL); more counts as any \
             other failure.",
        ),
        ("308", "As `307`."),
        ("400", "Retried 2 more times."),
        ("404", "Retried 2 more times (`URL not found`)."),
        ("500", "Retried once more."),
        ("503", "Retried 4 more times."),
        (
            "default",
            "Any other status — and no answer within 15 s, a connection or TLS error, or a \
             blocked address — is retried 5 more times. Retries wait 2 min, 10 min, 30 min, \
             1.5 h and 3.5 h after the previous attempt; when none is left the delivery is \
             `dead` (`Failed after automatic attempts.`). The response body is ignored.",
        ),
    ];
    let mut b = ResponsesBuilder::new();
    for (status, text) in answers {
        b = b.response(status, ResponseBuilder::new().description(text).build());
    }
    b.build()
}

/// The `post` a subscription to `name` receives.
fn webhook(name: EventName) -> PathItem {
    let example: Value = serde_json::from_str(example(name)).unwrap_or(Value::Null);
    let body = RequestBodyBuilder::new()
        .description(Some(
            "The payload (spec §9.11): `header` names the event; `body` depends on it.",
        ))
        .required(Some(Required::True))
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    payload_schema(name),
                ))))
                .example(Some(example))
                .build(),
        )
        .build();
    let op = OperationBuilder::new()
        .tag(TAG)
        .operation_id(Some(format!("webhook_{}", name.as_str().replace('.', "_"))))
        .summary(Some(summary(name)))
        .description(Some(description(name)))
        .parameters(Some(headers()))
        .request_body(Some(body))
        .responses(responses())
        .build();
    PathItem::new(HttpMethod::Post, op)
}

/// Adds the `webhooks` and their schemas to `doc`.
pub(super) fn install(mut doc: OpenApi) -> OpenApi {
    let mut paths = Paths::new();
    for name in EventName::ALL {
        paths.paths.insert(name.as_str().to_string(), webhook(name));
    }
    doc.webhooks = Some(paths);
    let components = doc.components.get_or_insert_with(Components::new);
    for (name, schema) in schemas() {
        components.schemas.entry(name).or_insert(schema);
    }
    doc
}

/// The example payload of `name`, from the spec (§9.12–§9.15).
fn example(name: EventName) -> &'static str {
    match name {
        EventName::OrderCreated => {
            r#"{"header":{"event_name":"gofood.order.created","event_id":"0b6f3a1e-9c2d-4e8f-a1b3-5c7d9e0f1a2b","version":1,"timestamp":"2024-05-03T12:00:00.412+07:00"},"body":{"service_type":"gofood","outlet":{"id":"G000012345","external_outlet_id":"store-17"},"customer":{"id":"536D5047BBBC0D5C7A51437C28C0221F","name":"GoFood Customer"},"driver":null,"order":{"status":"CREATED","pin":"5178","order_number":"F-460335259","order_total":111000,"currency":"IDR","created_at":"2024-05-03T12:00:00.412+07:00","cutlery_requested":null,"takeaway_charges":0,"applied_promotions":[],"scheduled_flag":null,"cancellation_detail":null,"order_items":[{"id":"7b422432-2f0c-478d-b656-6778908582d7","external_id":"menu-item-1","name":"Salmon Pizza","quantity":1,"price":111000,"notes":"","sku_promo_id":null,"variants":[{"id":"8084f090-f45e-47de-b665-787203bd035a","external_id":"variant-1","name":"Extra Cheese"}]}]}}}"#
        }
        EventName::OrderAwaitingMerchantAcceptance => {
            r#"{"header":{"event_name":"gofood.order.awaiting_merchant_acceptance","event_id":"c1be7fa1-645e-4d57-9ca3-f2cb54212345","version":1,"timestamp":"2024-05-03T12:00:00.557+07:00"},"body":{"service_type":"gofood","outlet":{"id":"G000012345","external_outlet_id":"store-17"},"customer":{"id":"536D5047BBBC0D5C7A51437C28C0221F","name":"GoFood Customer"},"driver":null,"order":{"status":"AWAITING_MERCHANT_ACCEPTANCE","pin":"1234","order_number":"F-123456789","order_total":18000,"currency":"IDR","created_at":"2024-05-03T12:00:00.412+07:00","cutlery_requested":true,"takeaway_charges":0,"applied_promotions":[{"id":"5b0c8d3e-2f4a-4b8e-9c1d-7e6f5a4b3c2d","promo_type":"sku_promo","item_id":"e44495da-3c0b-4f5e-8d7a-2b6c1f0e9d88","external_menu_id":"XID","original_price":9000,"selling_price":8000}],"scheduled_flag":null,"cancellation_detail":null,"order_items":[{"id":"e44495da-3c0b-4f5e-8d7a-2b6c1f0e9d88","external_id":"XID","name":"Pizza Margherita","quantity":2,"price":9000,"notes":"extra spicy","sku_promo_id":"5b0c8d3e-2f4a-4b8e-9c1d-7e6f5a4b3c2d","variants":[{"id":"be18dc03-e941-4238-8bba-bcd9b5e554fc","external_id":"V-XID","name":"Cheese"}]}]}}}"#
        }
        EventName::OrderMerchantAccepted => {
            r#"{"header":{"event_name":"gofood.order.merchant_accepted","event_id":"07f2f31f-92e9-4f05-9a3a-d58f32a1a156","version":1,"timestamp":"2024-05-03T12:01:05.120+07:00"},"body":{"service_type":"gofood","outlet":{"id":"G000012345","external_outlet_id":"store-17"},"customer":{"id":"536D5047BBBC0D5C7A51437C28C0221F","name":"GoFood Customer"},"driver":null,"order":{"status":"MERCHANT_ACCEPTED","pin":"5178","order_number":"F-460335259","order_total":111000,"currency":"IDR","created_at":"2024-05-03T12:00:00.412+07:00","cutlery_requested":null,"takeaway_charges":0,"applied_promotions":[],"scheduled_flag":null,"cancellation_detail":null,"order_items":[{"id":"7b422432-2f0c-478d-b656-6778908582d7","external_id":"menu-item-1","name":"Salmon Pizza","quantity":1,"price":111000,"notes":"","sku_promo_id":null,"variants":[{"id":"8084f090-f45e-47de-b665-787203bd035a","external_id":"variant-1","name":"Extra Cheese"}]}]}}}"#
        }
        EventName::OrderDriverOtwPickup => {
            r#"{"header":{"event_name":"gofood.order.driver_otw_pickup","event_id":"a0198fa9-50f0-4924-8ff2-97ddd1ec63b2","version":1,"timestamp":"2024-05-03T12:15:00.000+07:00"},"body":{"service_type":"gofood","outlet":{"id":"G000012345","external_outlet_id":"store-17"},"customer":{"id":"536D5047BBBC0D5C7A51437C28C0221F","name":"GoFood Customer"},"driver":{"name":"GoFood Driver"},"order":{"status":"DRIVER_OTW_PICKUP","pin":"5178","order_number":"F-460335259","order_total":111000,"currency":"IDR","created_at":"2024-05-03T12:00:00.412+07:00","cutlery_requested":null,"takeaway_charges":0,"applied_promotions":[],"scheduled_flag":null,"cancellation_detail":null,"order_items":[{"id":"7b422432-2f0c-478d-b656-6778908582d7","external_id":"menu-item-1","name":"Salmon Pizza","quantity":1,"price":111000,"notes":"","sku_promo_id":null,"variants":[{"id":"8084f090-f45e-47de-b665-787203bd035a","external_id":"variant-1","name":"Extra Cheese"}]}]}}}"#
        }
        EventName::OrderDriverArrived => {
            r#"{"header":{"event_name":"gofood.order.driver_arrived","event_id":"ce59e1d9-9032-4ccb-8dba-c078343ba730","version":1,"timestamp":"2024-05-03T12:20:00.000+07:00"},"body":{"service_type":"gofood","outlet":{"id":"G000012345","external_outlet_id":"store-17"},"customer":{"id":"536D5047BBBC0D5C7A51437C28C0221F","name":"GoFood Customer"},"driver":{"name":"GoFood Driver"},"order":{"status":"DRIVER_ARRIVED","pin":"5178","order_number":"F-460335259","order_total":111000,"currency":"IDR","created_at":"2024-05-03T12:00:00.412+07:00","cutlery_requested":null,"takeaway_charges":0,"applied_promotions":[],"scheduled_flag":null,"cancellation_detail":null,"order_items":[{"id":"7b422432-2f0c-478d-b656-6778908582d7","external_id":"menu-item-1","name":"Salmon Pizza","quantity":1,"price":111000,"notes":"","sku_promo_id":null,"variants":[{"id":"8084f090-f45e-47de-b665-787203bd035a","external_id":"variant-1","name":"Extra Cheese"}]}]}}}"#
        }
        EventName::OrderPlaced => {
            r#"{"header":{"event_name":"gofood.order.placed","event_id":"5c8e84db-a0a9-4e3f-bada-98c35a6752ab","version":1,"timestamp":"2024-05-03T12:24:00.000+07:00"},"body":{"service_type":"gofood","outlet":{"id":"G000012345","external_outlet_id":"store-17"},"customer":{"id":"536D5047BBBC0D5C7A51437C28C0221F","name":"GoFood Customer"},"driver":{"name":"GoFood Driver"},"order":{"status":"PLACED","pin":"5178","order_number":"F-460335259","order_total":111000,"currency":"IDR","created_at":"2024-05-03T12:00:00.412+07:00","cutlery_requested":null,"takeaway_charges":0,"applied_promotions":[],"scheduled_flag":null,"cancellation_detail":null,"order_items":[{"id":"7b422432-2f0c-478d-b656-6778908582d7","external_id":"menu-item-1","name":"Salmon Pizza","quantity":1,"price":111000,"notes":"","sku_promo_id":null,"variants":[{"id":"8084f090-f45e-47de-b665-787203bd035a","external_id":"variant-1","name":"Extra Cheese"}]}]}}}"#
        }
        EventName::OrderCompleted => {
            r#"{"header":{"event_name":"gofood.order.completed","event_id":"2cd3d4bb-5781-4537-a8fa-fad575b525d0","version":1,"timestamp":"2024-05-03T12:40:00.000+07:00"},"body":{"service_type":"gofood","outlet":{"id":"G000012345","external_outlet_id":"store-17"},"customer":{"id":"536D5047BBBC0D5C7A51437C28C0221F","name":"GoFood Customer"},"driver":{"name":"GoFood Driver"},"order":{"status":"COMPLETED","pin":"5178","order_number":"F-460335259","order_total":111000,"currency":"IDR","created_at":"2024-05-03T12:00:00.412+07:00","cutlery_requested":null,"takeaway_charges":0,"applied_promotions":[],"scheduled_flag":null,"cancellation_detail":null,"order_items":[{"id":"7b422432-2f0c-478d-b656-6778908582d7","external_id":"menu-item-1","name":"Salmon Pizza","quantity":1,"price":111000,"notes":"","sku_promo_id":null,"variants":[{"id":"8084f090-f45e-47de-b665-787203bd035a","external_id":"variant-1","name":"Extra Cheese"}]}]}}}"#
        }
        EventName::OrderCancelled => {
            r#"{"header":{"event_name":"gofood.order.cancelled","event_id":"9d4d212a-1dda-4046-9f6e-ba62d00a139e","version":1,"timestamp":"2024-05-03T12:00:40.000+07:00"},"body":{"service_type":"gofood","outlet":{"id":"G000012345","external_outlet_id":"store-17"},"customer":{"id":"536D5047BBBC0D5C7A51437C28C0221F","name":"GoFood Customer"},"driver":null,"order":{"status":"CANCELLED","pin":"5178","order_number":"F-460335259","order_total":111000,"currency":"IDR","created_at":"2024-05-03T12:00:00.412+07:00","cutlery_requested":null,"takeaway_charges":0,"applied_promotions":[],"scheduled_flag":null,"cancellation_detail":{"reason":"One of the items is not available","reason_code":"ITEMS_OUT_OF_STOCK"},"order_items":[{"id":"7b422432-2f0c-478d-b656-6778908582d7","external_id":"menu-item-1","name":"Salmon Pizza","quantity":1,"price":111000,"notes":"","sku_promo_id":null,"variants":[{"id":"8084f090-f45e-47de-b665-787203bd035a","external_id":"variant-1","name":"Extra Cheese"}]}]}}}"#
        }
        EventName::OrderWebhookError => {
            r#"{"header":{"event_name":"gofood.order.webhook_error","event_id":"3f0e8a4c-6b1d-4c2e-9f7a-8d5b2e1c0a93","version":1,"timestamp":"2024-05-03T12:00:00.530+07:00"},"body":{"service_type":"gofood","outlet":{"id":"G000012345","external_outlet_id":"store-17"},"order":{"order_number":"F-460335259","status":"AWAITING_MERCHANT_ACCEPTANCE"},"failed_event_name":"gofood.order.awaiting_merchant_acceptance","errors":[{"code":"MENU_MAPPING_NOT_FOUND","order_item_id":"7b422432-2f0c-478d-b656-6778908582d7","variant_id":null,"message":"Order item Salmon Pizza has no external_id in this partner's menu mapping"}]}}"#
        }
        EventName::CatalogMenuMappingUpdated => {
            r#"{"header":{"event_name":"gofood.catalog.menu_mapping_updated","event_id":"6d2b7c9e-1f3a-4b5c-8d7e-9f0a1b2c3d4e","version":1,"timestamp":"2024-05-03T11:00:01.020+07:00"},"body":{"request_id":"a7956af2-e5e9-4b1e-9844-52494d6cb6fc","outlet":{"id":"G000012345","external_outlet_id":"store-17"},"menus":[{"id":"5f1c9a53-1b7e-4c55-9a8e-0c2f7d9e1a11","name":"Pizza","menu_items":[{"id":"e44495da-3c0b-4f5e-8d7a-2b6c1f0e9d88","external_id":"XID"}]}],"variant_categories":[{"id":"bb447057-4572-46f6-a97c-2e6478d98ac2","external_id":"VC-XID","variants":[{"id":"be18dc03-e941-4238-8bba-bcd9b5e554fc","external_id":"V-XID"},{"id":"0d4e6f1a-8b2c-4d3e-9f5a-6b7c8d9e0f12","external_id":"V-XID-2"}]}]}}"#
        }
        EventName::PaymentTransactionSettlement => {
            r#"{"header":{"event_name":"payment.transaction.settlement","event_id":"0f9c2d4e-7a1b-4c3d-9e8f-1a2b3c4d5e6f","version":1,"timestamp":"2020-03-09T18:35:12.204+07:00"},"body":{"outlet":{"id":"G000012345","pop_id":"fa6082ea-06da-4483-9c7e-eeb0447ed53e"},"transaction":{"id":"71839e9c-944b-40ce-bd31-8a76db666f36","payment_type":"qris","status":"settlement","qris_string":"00020101021226610014COM.GO-JEK.WWW01189360091400000123450210G0000123450303UMI51440014ID.CO.QRIS.WWW0215ID10200000123450303UMI520458125303360540430005802ID5917Kopi Senja Kemang6007Jakarta62360525T71839e9c944b40cebd318a760703A0163046020","order_id":"order-1234","gross_amount":3000,"currency":"IDR","created_at":"2020-03-09T18:33:08.000+07:00","settlement_at":"2020-03-09T18:35:12.204+07:00"}}}"#
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;
    use serde::Serialize;

    /// `text` read as `Payload<B>` and written back is the same JSON: the example has exactly
    /// the fields of the typed body.
    fn round_trips<B: DeserializeOwned + Serialize>(text: &str) -> bool {
        let given: Value = serde_json::from_str(text).unwrap();
        let typed: Payload<B> = serde_json::from_str(text).unwrap();
        serde_json::to_value(typed).unwrap() == given
    }

    #[test]
    fn every_example_is_its_event_and_fits_its_schema() {
        for name in EventName::ALL {
            let v: Value = serde_json::from_str(example(name)).unwrap();
            assert_eq!(v["header"]["event_name"], name.as_str());
            let fits = match payload_schema(name) {
                "OrderEventPayload" => round_trips::<OrderEventBody>(example(name)),
                "WebhookErrorPayload" => round_trips::<WebhookErrorBody>(example(name)),
                "MenuMappingUpdatedPayload" => round_trips::<MenuMappingUpdated>(example(name)),
                _ => round_trips::<SettlementBody>(example(name)),
            };
            assert!(fits, "{name}: example and typed body differ");
        }
    }

    #[test]
    fn every_event_has_a_webhook_whose_schemas_exist() {
        let doc = install(OpenApi::default());
        let v = serde_json::to_value(&doc).unwrap();
        for name in EventName::ALL {
            let op = &v["webhooks"][name.as_str()]["post"];
            let r = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .unwrap();
            let schema = r.trim_start_matches("#/components/schemas/");
            assert!(v["components"]["schemas"][schema].is_object(), "{schema}");
        }
        let text = v.to_string();
        for r in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = &r[..r.find('"').unwrap()];
            assert!(
                v["components"]["schemas"][name].is_object(),
                "missing {name}"
            );
        }
    }
}
