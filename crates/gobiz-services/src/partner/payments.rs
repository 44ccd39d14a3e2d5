//! QRIS payments (spec §7): create with `Idempotency-Key`, read, QR payload, expiry on the
//! clock, the sandbox payer, and the settlement webhook in the same transaction.

use crate::access::Principal;
use crate::events::EventDraft;
use crate::idempotency::{IdempotencyPolicy, IdempotentResponse, NextAction};
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::events::Event;
use gobiz_domain::ids::{OutletId, TransactionId};
use gobiz_domain::model::{PartnerType, Product};
use gobiz_domain::payment::{PaymentStatus, Transaction, TransactionDraft, Transition};
use gobiz_domain::qris;
use gobiz_domain::timefmt::rfc3339_seconds;
use gobiz_domain::validation::Violations;
use gobiz_store::outlets;
use gobiz_store::payments::{self, StoredTransaction};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// `transaction_details` of a create (spec §7.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TransactionDetails {
    /// The partner's order id: 1 to 50 of `A-Z a-z 0-9 - _ ~ .`. One `pending` or
    /// `settlement` transaction per order id and outlet.
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = "^[A-Za-z0-9_~.-]{1,50}$",
        example = "order-1234"
    )]
    pub order_id: String,
    /// IDR, 1 to 10,000,000, no decimals.
    #[schema(minimum = 1, maximum = 10_000_000, example = 3000)]
    pub gross_amount: i64,
    /// Always `IDR`.
    #[schema(pattern = "^IDR$", example = "IDR")]
    pub currency: String,
}

/// One line of `item_details` (spec §7.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ItemDetail {
    /// The partner's item id, e.g. `SKU-000123`.
    pub id: Option<String>,
    /// Unit price, IDR, 0 to 10,000,000.
    #[schema(minimum = 0, maximum = 10_000_000, example = 3000)]
    pub price: i64,
    /// 1 to 10,000.
    #[schema(minimum = 1, maximum = 10_000, example = 1)]
    pub quantity: i64,
    /// 1 to 255 characters.
    #[schema(min_length = 1, max_length = 255, example = "Item sample no.1")]
    pub name: String,
    /// Brand.
    pub brand: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Merchant name.
    pub merchant_name: Option<String>,
}

/// `customer_details` of a create (spec §7.2); accepted, not checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CustomerDetails {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
}

/// The body of `POST .../v2/transactions` (spec §7.2). It is checked by hand, every violation
/// reported with its JSON path; this type describes the accepted shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"payment_type": "qris",
    "transaction_details": {"order_id": "order-1234", "gross_amount": 3000, "currency": "IDR"},
    "item_details": [{"id": "SKU-000123", "price": 3000, "quantity": 1, "name": "Item sample no.1",
                      "brand": "sample brand", "category": "others", "merchant_name": null}],
    "customer_details": {"first_name": "John", "last_name": "Doe", "email": "john@example.com", "phone": "+628111000123"},
    "metadata": {}}))]
pub struct NewTransaction {
    /// Always `qris`.
    #[schema(pattern = "^qris$", example = "qris")]
    pub payment_type: String,
    /// Order id and amount.
    pub transaction_details: TransactionDetails,
    /// When present, the sum of `price × quantity` must equal `gross_amount`.
    pub item_details: Option<Vec<ItemDetail>>,
    /// The payer.
    pub customer_details: Option<CustomerDetails>,
    /// Any object; stored, not echoed.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

// The answer types below declare their fields in alphabetical order: the order in which the
// answers have always been serialized (and stored for idempotent replays). Keep it.

/// `outlet` of a transaction (spec §7.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TransactionOutlet {
    /// Outlet id.
    #[schema(example = "G000012345")]
    pub id: String,
    /// The outlet's point-of-payment id (UUID).
    #[schema(format = "uuid", example = "fa6082ea-06da-4483-9c7e-eeb0447ed53e")]
    pub pop_id: String,
}

/// `transaction` of a transaction (spec §7.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TransactionInfo {
    /// Creation (UTC).
    #[schema(format = DateTime, example = "2020-03-09T11:33:08Z")]
    pub created_at: String,
    /// Always `IDR`.
    #[schema(example = "IDR")]
    pub currency: &'static str,
    /// IDR.
    #[schema(example = 3000)]
    pub gross_amount: i64,
    /// GoBiz transaction id (UUID).
    #[schema(format = "uuid", example = "71839e9c-944b-40ce-bd31-8a76db666f36")]
    pub id: String,
    /// The partner's order id.
    #[schema(example = "order-1234")]
    pub order_id: String,
    /// Always `qris`.
    #[schema(example = "qris")]
    pub payment_type: &'static str,
    /// The EMVCo merchant-presented QR payload (spec §7.6); its CRC verifies.
    pub qris_string: String,
    /// When paid (UTC); `null` until then.
    #[schema(required = true, format = DateTime)]
    pub settlement_at: Option<String>,
    /// `pending`, then `settlement` (paid), `expire` (not paid in time) or `cancel`.
    pub status: PaymentStatus,
}

/// One entry of `actions` (spec §7.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TransactionAction {
    /// `GET`.
    #[schema(example = "GET")]
    pub method: &'static str,
    /// `generate-qr-code`.
    #[schema(example = "generate-qr-code")]
    pub name: &'static str,
    /// `<public base URL>/transactions/{id}/qr-code`: the QR image.
    #[schema(
        format = "uri",
        example = "https://api.partner-sandbox.gobiz.co.id/transactions/71839e9c-944b-40ce-bd31-8a76db666f36/qr-code"
    )]
    pub url: String,
}

/// A transaction (spec §7.1): the `data` of create and read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({
    "outlet": {"id": "G000012345", "pop_id": "fa6082ea-06da-4483-9c7e-eeb0447ed53e"},
    "transaction": {
        "id": "71839e9c-944b-40ce-bd31-8a76db666f36", "payment_type": "qris", "status": "pending",
        "qris_string": "00020101021226610014COM.GO-JEK.WWW01189360091400000123450210G0000123450303UMI51440014ID.CO.QRIS.WWW0215ID10200000123450303UMI520458125303360540430005802ID5917Kopi Senja Kemang6007Jakarta62360525T71839e9c944b40cebd318a760703A0163046020",
        "order_id": "order-1234", "gross_amount": 3000, "currency": "IDR",
        "created_at": "2020-03-09T11:33:08Z", "settlement_at": null},
    "actions": [{"name": "generate-qr-code", "method": "GET",
        "url": "https://api.partner-sandbox.gobiz.co.id/transactions/71839e9c-944b-40ce-bd31-8a76db666f36/qr-code"}]
}))]
pub struct TransactionData {
    /// The QR image link.
    pub actions: Vec<TransactionAction>,
    /// The outlet.
    pub outlet: TransactionOutlet,
    /// The transaction.
    pub transaction: TransactionInfo,
}

/// How long a pending transaction stays payable (spec §7.1: 15 minutes).
const EXPIRY_MS: i64 = 15 * 60 * 1000;

/// The header carrying the key of a create (the route reads it by this name).
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// `Idempotency-Key` (spec §7.3): the saved response is replayed whatever the body.
static IDEMPOTENCY: IdempotencyPolicy = IdempotencyPolicy {
    header: IDEMPOTENCY_HEADER,
    is_key,
    key_rule: "must be 1 to 32 printable ASCII characters without spaces",
    namespace: "payment:",
    body_matters: false,
    retention_ms: 30 * 24 * 3_600_000,
};

pub(crate) fn not_found() -> ServiceError {
    ServiceError::NotFound("Transaction not found".into())
}

fn is_key(k: &str) -> bool {
    (1..=32).contains(&k.len()) && k.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

fn is_order_id(s: &str) -> bool {
    (1..=50).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_~.".contains(&b))
}

fn int_field(
    v: &mut Violations,
    o: &serde_json::Map<String, Value>,
    key: &str,
    path: &str,
    min: i64,
    max: i64,
) -> Option<i64> {
    gobiz_domain::validation::json_integer(o.get(key), min, max)
        .map_err(|problem| v.add(format!("{path}{key}"), problem))
        .ok()
}

/// The validated parts of a create body.
struct NewTransactionBody {
    order_id: String,
    gross_amount: i64,
    metadata: Value,
}

fn parse_body(raw: &Value) -> ServiceResult<NewTransactionBody> {
    let mut v = Violations::new();
    let Some(o) = raw.as_object() else {
        return Err(ServiceError::invalid("body", "expected object"));
    };
    match o.get("payment_type") {
        Some(Value::String(s)) if s == "qris" => {}
        None | Some(Value::Null) => v.add("payment_type", "is required"),
        Some(_) => v.add("payment_type", "must be qris"),
    }
    let mut order_id = None;
    let mut amount = None;
    match o.get("transaction_details") {
        Some(Value::Object(d)) => {
            match d.get("order_id") {
                Some(Value::String(s)) if is_order_id(s) => order_id = Some(s.clone()),
                Some(Value::String(_)) => v.add(
                    "transaction_details.order_id",
                    "must be 1 to 50 of A-Z a-z 0-9 - _ ~ .",
                ),
                None | Some(Value::Null) => v.add("transaction_details.order_id", "is required"),
                Some(_) => v.add("transaction_details.order_id", "expected string"),
            }
            amount = int_field(
                &mut v,
                d,
                "gross_amount",
                "transaction_details.",
                1,
                10_000_000,
            );
            match d.get("currency") {
                Some(Value::String(c)) if c == "IDR" => {}
                None | Some(Value::Null) => v.add("transaction_details.currency", "is required"),
                Some(_) => v.add("transaction_details.currency", "must be IDR"),
            }
        }
        None | Some(Value::Null) => v.add("transaction_details", "is required"),
        Some(_) => v.add("transaction_details", "expected object"),
    }
    match o.get("item_details") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            let mut sum: i64 = 0;
            let mut complete = true;
            for (i, it) in items.iter().enumerate() {
                let p = format!("item_details[{i}].");
                let Some(io) = it.as_object() else {
                    v.add(format!("item_details[{i}]"), "expected object");
                    complete = false;
                    continue;
                };
                let price = int_field(&mut v, io, "price", &p, 0, 10_000_000);
                let qty = int_field(&mut v, io, "quantity", &p, 1, 10_000);
                match io.get("name") {
                    Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= 255 => {}
                    None | Some(Value::Null) => v.add(format!("{p}name"), "is required"),
                    Some(Value::String(_)) => {
                        v.add(format!("{p}name"), "must be 1 to 255 characters")
                    }
                    Some(_) => v.add(format!("{p}name"), "expected string"),
                }
                match (price, qty) {
                    (Some(a), Some(b)) => sum += a * b,
                    _ => complete = false,
                }
            }
            if let (true, Some(total)) = (complete, amount) {
                if sum != total {
                    v.add(
                        "item_details",
                        format!(
                            "the sum of price x quantity ({sum}) must equal gross_amount ({total})"
                        ),
                    );
                }
            }
        }
        Some(_) => v.add("item_details", "expected array"),
    }
    match o.get("customer_details") {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(_) => v.add("customer_details", "expected object"),
    }
    let metadata = match o.get("metadata") {
        None | Some(Value::Null) => Value::Object(serde_json::Map::new()),
        Some(Value::Object(m)) => Value::Object(m.clone()),
        Some(_) => {
            v.add("metadata", "expected object");
            Value::Null
        }
    };
    v.finish()?;
    Ok(NewTransactionBody {
        order_id: order_id.unwrap_or_default(),
        gross_amount: amount.unwrap_or_default(),
        metadata,
    })
}

impl Services {
    /// The `data` of create and read (spec §7.2).
    pub fn transaction_data(&self, t: &Transaction) -> TransactionData {
        TransactionData {
            outlet: TransactionOutlet {
                id: t.outlet_id().to_string(),
                pop_id: t.pop_id().to_string(),
            },
            transaction: TransactionInfo {
                id: t.id().to_string(),
                payment_type: "qris",
                status: t.status(),
                qris_string: t.qris_string().to_string(),
                order_id: t.order_id().to_string(),
                gross_amount: t.gross_amount(),
                currency: "IDR",
                created_at: rfc3339_seconds(t.created_at()),
                settlement_at: t.settlement_at().map(rfc3339_seconds),
            },
            actions: vec![TransactionAction {
                name: "generate-qr-code",
                method: "GET",
                url: format!(
                    "{}/transactions/{}/qr-code",
                    self.config.public_base_url.trim_end_matches('/'),
                    t.id()
                ),
            }],
        }
    }

    /// `POST .../v2/transactions` (spec §7.2, §7.3).
    pub async fn create_transaction(
        &self,
        who: &Principal,
        outlet_id: &OutletId,
        key: Option<&str>,
        body: ServiceResult<Value>,
    ) -> ServiceResult<IdempotentResponse> {
        who.require_scope("payment:transaction:write")?;
        let outlet = self
            .accessible_outlet(who, outlet_id, Some(Product::Payment))
            .await?;
        let key = IDEMPOTENCY.key(key)?;
        let raw = body?;
        let now = self.clock.now_ms();
        let idem = IDEMPOTENCY.request(&who.client_id, outlet_id, key, &raw, now);
        if let Some(saved) = idem.replay(&mut self.db.conn().await?).await? {
            return Ok(saved);
        }
        let mut tx = self.db.begin().await?;
        if let NextAction::ReturnSaved(saved) = idem.begin(&mut tx).await? {
            return Ok(saved);
        }
        let new = parse_body(&raw)?;
        outlets::lock(&mut tx, outlet_id).await?;
        if payments::order_id_taken(&mut tx, outlet_id, &new.order_id).await? {
            return Err(ServiceError::Conflict(format!(
                "order_id {} already has a pending or settled transaction on this outlet",
                new.order_id
            )));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let t = Transaction::open(
            TransactionDraft {
                qris_string: qris::build(
                    &outlet.id,
                    &outlet.name,
                    "Jakarta",
                    new.gross_amount,
                    &id,
                ),
                id,
                outlet_id: outlet.id.clone(),
                pop_id: outlet.pop_id.clone(),
                order_id: new.order_id,
                gross_amount: new.gross_amount,
                metadata: new.metadata,
            },
            now,
        );
        payments::insert(&mut tx, &t, &who.partner.id, now + EXPIRY_MS).await?;
        let data = serde_json::to_value(self.transaction_data(&t))
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let first = idem.complete(&mut tx, data).await?;
        tx.commit().await?;
        Ok(first)
    }

    /// A transaction the caller may see: its creator, or the direct merchant of its outlet.
    async fn visible_transaction(&self, who: &Principal, id: &str) -> ServiceResult<Transaction> {
        let stored = payments::get(&mut self.db.conn().await?, id)
            .await?
            .ok_or_else(not_found)?;
        let mine = stored.partner_id == who.partner.id
            || (who.partner.kind == PartnerType::Direct
                && who.partner.owns(
                    &self
                        .get_outlet(stored.transaction.outlet_id())
                        .await?
                        .merchant_id,
                ));
        if !mine {
            return Err(not_found());
        }
        Ok(stored.transaction)
    }

    /// `GET .../v1/transactions/{id}` (spec §7.4).
    pub async fn get_transaction(
        &self,
        who: &Principal,
        outlet_id: &OutletId,
        id: &TransactionId,
    ) -> ServiceResult<Transaction> {
        who.require_scope("payment:transaction:read")?;
        self.accessible_outlet(who, outlet_id, Some(Product::Payment))
            .await?;
        let t = self.visible_transaction(who, id).await?;
        if t.outlet_id() != outlet_id.as_str() {
            return Err(not_found());
        }
        Ok(t)
    }

    /// `GET /transactions/{id}/qr-code` (spec §7.5): the payload to draw.
    pub async fn transaction_qr(
        &self,
        who: &Principal,
        id: &TransactionId,
    ) -> ServiceResult<String> {
        who.require_any_scope(&["payment:transaction:read", "payment:transaction:write"])?;
        Ok(self
            .visible_transaction(who, id)
            .await?
            .qris_string()
            .to_string())
    }

    /// Moves a pending transaction out of `pending`, with the settlement webhook when paid.
    pub(crate) async fn finish_transaction(
        &self,
        stored: StoredTransaction,
        transition: Transition,
    ) -> ServiceResult<Transaction> {
        let mut t = stored.transaction;
        t.apply(transition, self.clock.now_ms())
            .map_err(|refused| ServiceError::Conflict(refused.to_string()))?;
        let mut tx = self.db.begin().await?;
        if !payments::finish(&mut tx, &t).await? {
            return Err(ServiceError::Conflict(format!(
                "Transaction {} is not pending any more",
                t.id()
            )));
        }
        if transition == Transition::Settle {
            self.emit(
                &mut tx,
                EventDraft {
                    event: Event::settlement(&t),
                    outlet_id: t.outlet_id().to_string(),
                    only_partner: None,
                    at: None,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(t)
    }
}
