//! The typed webhook payloads (spec §9.11–§9.15): the envelope every event shares and the body
//! of each event. Each type derives `ToSchema`, so the OpenAPI `webhooks` describe exactly
//! what is sent. Field order is the spec's; the bytes sent are the serialized `serde_json`
//! value of these types (spec §9.7: the signature covers exactly them).

use super::event::EventOutlet;
use super::mapping::MappingError;
use super::name::EventName;
use crate::order::{Order, OrderState};
use crate::payment::Transaction;
use crate::timefmt::jakarta_millis;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The `version` of every payload header.
pub const PAYLOAD_VERSION: i64 = 1;

/// `header` of every payload (spec §9.11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventHeader {
    /// The event.
    pub event_name: EventName,
    /// Unique per event; receivers may dedupe on it (spec §9.9).
    #[schema(format = "uuid", example = "c1be7fa1-645e-4d57-9ca3-f2cb54212345")]
    pub event_id: String,
    /// Always `1`.
    #[schema(example = 1, minimum = 1, maximum = 1)]
    pub version: i64,
    /// Event time, Asia/Jakarta offset, milliseconds.
    #[schema(format = DateTime, example = "2024-05-03T12:00:00.557+07:00")]
    pub timestamp: String,
}

impl EventHeader {
    /// The header of event `event_id` named `name`, happening at `at` (Unix ms).
    pub fn new(name: EventName, event_id: &str, at: i64) -> EventHeader {
        EventHeader {
            event_name: name,
            event_id: event_id.to_string(),
            version: PAYLOAD_VERSION,
            timestamp: jakarta_millis(at),
        }
    }
}

/// Every webhook payload (spec §9.11): `{ "header": {...}, "body": {...} }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Payload<B> {
    /// What the event is.
    pub header: EventHeader,
    /// What it is about; its shape depends on `header.event_name`.
    pub body: B,
}

/// `body.customer` of an order event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventCustomer {
    /// 32 upper-case hex characters.
    #[schema(
        example = "536D5047BBBC0D5C7A51437C28C0221F",
        pattern = "^[0-9A-F]{32}$"
    )]
    pub id: String,
    /// Customer name.
    #[schema(example = "GoFood Customer")]
    pub name: String,
}

/// `body.driver` of an order event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventDriver {
    /// Driver name.
    #[schema(example = "GoFood Driver")]
    pub name: String,
}

/// An element of `body.order.applied_promotions` (spec §9.12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventPromotion {
    /// Promotion id.
    #[schema(format = "uuid")]
    pub id: String,
    /// Always `sku_promo`.
    #[schema(example = "sku_promo")]
    pub promo_type: String,
    /// GoBiz item id.
    #[schema(format = "uuid")]
    pub item_id: String,
    /// The item's `external_id` in the catalog.
    #[schema(example = "XID")]
    pub external_menu_id: String,
    /// Catalog price (IDR).
    #[schema(example = 9000)]
    pub original_price: i64,
    /// Promotion price (IDR).
    #[schema(example = 8000)]
    pub selling_price: i64,
}

/// `body.order.scheduled_flag` of a scheduled order (our simulator never schedules, so it
/// sends `null`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventScheduledFlag {
    /// A catering order.
    pub is_catering: bool,
    /// Start of the delivery window.
    #[schema(format = DateTime)]
    pub schedule_delivery_time_start: String,
    /// End of the delivery window.
    #[schema(format = DateTime)]
    pub schedule_delivery_time_end: String,
}

/// `body.order.cancellation_detail` of a cancelled order (spec §9.12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventCancellation {
    /// Why: the merchant's `cancel_reason_description`, `MERCHANT_TIMEOUT`, or the customer's
    /// text (default `Cancelled by customer`).
    #[schema(example = "One of the items is not available")]
    pub reason: String,
    /// The merchant's `cancel_reason_code`, `MERCHANT_TIMEOUT` or `CUSTOMER_CANCELLED`.
    #[schema(example = "ITEMS_OUT_OF_STOCK")]
    pub reason_code: String,
}

/// A chosen variant of an order item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventOrderVariant {
    /// GoBiz variant id.
    #[schema(format = "uuid")]
    pub id: String,
    /// The recipient's `external_id` of the variant; `null` when its menu mapping lacks it
    /// (spec §9.13).
    #[schema(required = true, example = "V-XID")]
    pub external_id: Option<String>,
    /// Variant name.
    #[schema(example = "Cheese")]
    pub name: String,
}

/// An element of `body.order.order_items`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventOrderItem {
    /// GoBiz item id.
    #[schema(format = "uuid")]
    pub id: String,
    /// The recipient's `external_id` of the item; `null` when its menu mapping lacks it
    /// (spec §9.13).
    #[schema(required = true, example = "XID")]
    pub external_id: Option<String>,
    /// Item name.
    #[schema(example = "Pizza Margherita")]
    pub name: String,
    /// At least 1.
    #[schema(minimum = 1, example = 2)]
    pub quantity: i64,
    /// Unit price in IDR including variants, after promotion (spec §5.4).
    #[schema(example = 9000)]
    pub price: i64,
    /// Customer note; `""` when none.
    #[schema(example = "extra spicy")]
    pub notes: String,
    /// The applied promotion's id.
    #[schema(required = true, format = "uuid")]
    pub sku_promo_id: Option<String>,
    /// Chosen variants (no price of their own).
    pub variants: Vec<EventOrderVariant>,
}

/// `body.order` of an order event (spec §9.12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventOrder {
    /// The state the event reports (spec §5.1).
    pub status: OrderState,
    /// 4 digits the driver shows.
    #[schema(example = "1234", pattern = "^[0-9]{4}$")]
    pub pin: String,
    /// `F-` + digits; the `{order_id}` of spec §5.5.
    #[schema(example = "F-123456789", pattern = "^F-[0-9]+$")]
    pub order_number: String,
    /// Σ price × quantity + takeaway charges, IDR.
    #[schema(example = 18000)]
    pub order_total: i64,
    /// Always `IDR`.
    #[schema(example = "IDR")]
    pub currency: String,
    /// Order creation, Asia/Jakarta offset, milliseconds.
    #[schema(format = DateTime, example = "2024-05-03T12:00:00.412+07:00")]
    pub created_at: String,
    /// `null` when the customer did not say.
    #[schema(required = true)]
    pub cutlery_requested: Option<bool>,
    /// IDR, default 0.
    #[schema(example = 0)]
    pub takeaway_charges: i64,
    /// Promotions that priced the order; `[]` when none.
    pub applied_promotions: Vec<EventPromotion>,
    /// The delivery window of a scheduled order; always `null` from our simulator.
    #[schema(required = true)]
    pub scheduled_flag: Option<EventScheduledFlag>,
    /// Set on `CANCELLED`, else `null`.
    #[schema(required = true)]
    pub cancellation_detail: Option<EventCancellation>,
    /// Ordered items.
    pub order_items: Vec<EventOrderItem>,
}

/// The body of the eight order-status events `gofood.order.*` (spec §9.12); the sandbox's
/// order view is this plus timers and history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderEventBody {
    /// `gofood` (delivery) or `gofood_pickup` (pickup).
    #[schema(example = "gofood")]
    pub service_type: String,
    /// The outlet, with the recipient's `external_outlet_id`.
    pub outlet: EventOutlet,
    /// The customer.
    pub customer: EventCustomer,
    /// `null` before a driver is assigned and for pickup.
    #[schema(required = true)]
    pub driver: Option<EventDriver>,
    /// The order.
    pub order: EventOrder,
}

impl OrderEventBody {
    /// The body of `o` as it stands, as the catalog names things (`external_outlet_id`
    /// `null`; each recipient gets its own link id and menu mapping).
    pub fn of(o: &Order) -> OrderEventBody {
        OrderEventBody {
            service_type: o.order_type().service_type().to_string(),
            outlet: EventOutlet::unlinked(o.outlet_id()),
            customer: EventCustomer {
                id: o.customer_id().to_string(),
                name: o.customer_name().to_string(),
            },
            driver: o.driver().map(|n| EventDriver {
                name: n.to_string(),
            }),
            order: EventOrder {
                status: o.state(),
                pin: o.pin().to_string(),
                order_number: o.order_number().to_string(),
                order_total: o.order_total(),
                currency: "IDR".into(),
                created_at: jakarta_millis(o.created_at()),
                cutlery_requested: o.cutlery_requested(),
                takeaway_charges: o.takeaway_charges(),
                applied_promotions: o
                    .applied_promotions()
                    .iter()
                    .map(|p| EventPromotion {
                        id: p.id.clone(),
                        promo_type: "sku_promo".into(),
                        item_id: p.item_id.clone(),
                        external_menu_id: p.external_menu_id.clone(),
                        original_price: p.original_price,
                        selling_price: p.selling_price,
                    })
                    .collect(),
                scheduled_flag: None,
                cancellation_detail: o.cancellation().map(|(r, c)| EventCancellation {
                    reason: r.to_string(),
                    reason_code: c.to_string(),
                }),
                order_items: o
                    .items()
                    .iter()
                    .map(|i| EventOrderItem {
                        id: i.id.clone(),
                        external_id: Some(i.external_id.clone()),
                        name: i.name.clone(),
                        quantity: i.quantity,
                        price: i.price,
                        notes: i.notes.clone(),
                        sku_promo_id: i.sku_promo_id.clone(),
                        variants: i
                            .variants
                            .iter()
                            .map(|v| EventOrderVariant {
                                id: v.id.clone(),
                                external_id: Some(v.external_id.clone()),
                                name: v.name.clone(),
                            })
                            .collect(),
                    })
                    .collect(),
            },
        }
    }
}

/// `body.order` of `gofood.order.webhook_error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookErrorOrder {
    /// The order.
    #[schema(required = true, example = "F-460335259")]
    pub order_number: Option<String>,
    /// Its state in the failed event.
    #[schema(required = true, example = "AWAITING_MERCHANT_ACCEPTANCE")]
    pub status: Option<String>,
}

/// An element of `body.errors` of `gofood.order.webhook_error`: an item or variant without an
/// `external_id` in the partner's menu mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MappingErrorEntry {
    /// `MENU_MAPPING_NOT_FOUND`.
    #[schema(example = "MENU_MAPPING_NOT_FOUND")]
    pub code: String,
    /// GoBiz item id.
    #[schema(format = "uuid")]
    pub order_item_id: String,
    /// GoBiz variant id when a variant is unmapped, else `null`.
    #[schema(required = true, format = "uuid")]
    pub variant_id: Option<String>,
    /// Human-readable.
    #[schema(
        example = "Order item Salmon Pizza has no external_id in this partner's menu mapping"
    )]
    pub message: String,
}

impl From<&MappingError> for MappingErrorEntry {
    fn from(e: &MappingError) -> MappingErrorEntry {
        MappingErrorEntry {
            code: e.code().to_string(),
            order_item_id: e.order_item_id().to_string(),
            variant_id: e.variant_id().map(String::from),
            message: e.message(),
        }
    }
}

/// The body of `gofood.order.webhook_error` (spec §9.13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookErrorBody {
    /// As in the failed event.
    #[schema(required = true, example = "gofood")]
    pub service_type: Option<String>,
    /// As in the failed event.
    #[schema(required = true)]
    pub outlet: Option<EventOutlet>,
    /// The order and its state in the failed event.
    pub order: WebhookErrorOrder,
    /// The `gofood.order.*` event concerned.
    pub failed_event_name: EventName,
    /// What the partner's menu mapping lacks.
    pub errors: Vec<MappingErrorEntry>,
}

/// `body.outlet` of `payment.transaction.settlement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SettlementOutlet {
    /// Outlet id.
    #[schema(example = "G000012345")]
    pub id: String,
    /// Point-of-payment id.
    #[schema(format = "uuid")]
    pub pop_id: String,
}

/// `body.transaction` of `payment.transaction.settlement`: as Get Transaction (spec §7.1),
/// instants in Asia/Jakarta with milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SettlementTransaction {
    /// Transaction id.
    #[schema(format = "uuid")]
    pub id: String,
    /// Always `qris`.
    #[schema(example = "qris")]
    pub payment_type: String,
    /// `settlement` (or another status for a supplied body).
    #[schema(example = "settlement")]
    pub status: String,
    /// The QRIS payload that was paid.
    pub qris_string: String,
    /// The partner's order id.
    #[schema(example = "order-1234")]
    pub order_id: String,
    /// Amount in IDR.
    #[schema(example = 3000)]
    pub gross_amount: i64,
    /// Always `IDR`.
    #[schema(example = "IDR")]
    pub currency: String,
    /// Creation, Asia/Jakarta offset, milliseconds.
    #[schema(format = DateTime, example = "2020-03-09T18:33:08.000+07:00")]
    pub created_at: String,
    /// Payment time.
    #[schema(required = true, format = DateTime, example = "2020-03-09T18:35:12.204+07:00")]
    pub settlement_at: Option<String>,
}

/// The body of `payment.transaction.settlement` (spec §9.15).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SettlementBody {
    /// The outlet.
    pub outlet: SettlementOutlet,
    /// The transaction.
    pub transaction: SettlementTransaction,
}

impl SettlementBody {
    /// The body of `t` as it stands.
    pub fn of(t: &Transaction) -> SettlementBody {
        SettlementBody {
            outlet: SettlementOutlet {
                id: t.outlet_id().to_string(),
                pop_id: t.pop_id().to_string(),
            },
            transaction: SettlementTransaction {
                id: t.id().to_string(),
                payment_type: "qris".into(),
                status: t.status().as_str().to_string(),
                qris_string: t.qris_string().to_string(),
                order_id: t.order_id().to_string(),
                gross_amount: t.gross_amount(),
                currency: "IDR".into(),
                created_at: jakarta_millis(t.created_at()),
                settlement_at: t.settlement_at().map(jakarta_millis),
            },
        }
    }
}
