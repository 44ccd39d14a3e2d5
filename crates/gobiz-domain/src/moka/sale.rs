//! A recorded Moka sale and the formulas of spec §8.1: unit gross = price + Σ modifier
//! prices; line gross / refund = unit gross × quantity / refunded quantity; line net =
//! gross − discount − refund − redemption. Refunds are of line quantities and stay with their
//! sale, so a report over the sale's `transaction_time` includes them.

use crate::clock::Millis;
use crate::validation::{Violation, Violations};
use serde::{Deserialize, Serialize};

/// Largest amount (IDR) accepted for one price, discount, tax or gratuity.
pub const MAX_AMOUNT: i64 = 1_000_000_000;
/// Most lines in one sale.
pub const MAX_LINES: usize = 100;
/// Most units of one line.
pub const MAX_QUANTITY: i64 = 999;
/// Most modifiers on one line, and most taxes or gratuities on one sale.
pub const MAX_PARTS: usize = 20;

/// Payment types a sale can carry, with the label the transactions report shows.
pub const PAYMENT_TYPES: [(&str, &str); 7] = [
    ("cash", "Cash"),
    ("card", "Card"),
    ("invoice", "Invoice"),
    ("gopay", "GoPay"),
    ("qris", "QRIS"),
    ("bank_transfer", "Bank Transfer"),
    ("custom", "Custom"),
];

/// The label of a payment type (`Cash` for `cash`); the type itself when unknown.
pub fn payment_type_label(kind: &str) -> &str {
    PAYMENT_TYPES
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(kind, |(_, label)| label)
}

/// One modifier option chosen on a line (`Topping: Oreo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = MokaModifierLine, example = json!({"modifier_id": 362774, "modifier_name": "Topping", "option_id": 2482800, "option_name": "Oreo", "price": 2000}))]
pub struct ModifierLine {
    /// Modifier (group) id, a positive integer.
    #[schema(minimum = 1, example = 362774)]
    pub modifier_id: i64,
    /// Modifier name, 1 to 255 characters, e.g. `Topping`.
    #[schema(min_length = 1, max_length = 255, example = "Topping")]
    pub modifier_name: String,
    /// Option id, a positive integer.
    #[schema(minimum = 1, example = 2482800)]
    pub option_id: i64,
    /// Option name, 1 to 255 characters, e.g. `Oreo`.
    #[schema(min_length = 1, max_length = 255, example = "Oreo")]
    pub option_name: String,
    /// Price of the option per unit, IDR (0 to 1,000,000,000).
    #[schema(minimum = 0, maximum = 1_000_000_000, example = 2000)]
    pub price: i64,
}

/// A tax or gratuity (service charge) on a sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = MokaCharge, example = json!({"id": 66724, "name": "PB1", "amount": 4500}))]
pub struct Charge {
    /// Library id, a positive integer.
    #[schema(minimum = 1, example = 66724)]
    pub id: i64,
    /// Name, 1 to 255 characters, e.g. `PB1` or `Service charge`.
    #[schema(min_length = 1, max_length = 255, example = "PB1")]
    pub name: String,
    /// Amount, IDR (0 to 1,000,000,000).
    #[schema(minimum = 0, maximum = 1_000_000_000, example = 4500)]
    pub amount: i64,
}

/// Invoice details of a sale paid by invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = MokaInvoiceDetails, example = json!({"invoice_no": "INV10EF2H3", "due_date": "2021-11-25", "deposit_amount": 0}))]
pub struct Invoice {
    /// Invoice number, 1 to 64 characters (also the payment number).
    #[schema(min_length = 1, max_length = 64, example = "INV10EF2H3")]
    pub invoice_no: String,
    /// Due date, `YYYY-MM-DD`.
    #[schema(format = Date, example = "2021-11-25")]
    pub due_date: String,
    /// Deposit already paid, IDR (default 0).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub deposit_amount: i64,
}

/// One line of a sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleLine {
    /// Position in the sale, from 0.
    pub index: u32,
    /// Line id (integer, as Moka's item ids).
    pub id: i64,
    /// Item variant.
    pub variant_id: i64,
    /// Item name.
    pub name: String,
    /// Category name.
    pub category_name: String,
    /// Units sold.
    pub quantity: i64,
    /// Units refunded so far.
    pub refunded_quantity: i64,
    /// Library price per unit, without modifiers.
    pub price: i64,
    /// Line discount.
    pub discount: i64,
    /// Cost of goods per unit.
    pub cogs: i64,
    /// Loyalty redemption on the line.
    pub redemption: i64,
    /// Chosen modifier options.
    pub modifiers: Vec<ModifierLine>,
}

impl SaleLine {
    /// `price` + Σ modifier option prices.
    pub fn unit_gross(&self) -> i64 {
        self.price + self.modifiers.iter().map(|m| m.price).sum::<i64>()
    }

    /// Unit gross × quantity.
    pub fn gross(&self) -> i64 {
        self.unit_gross() * self.quantity
    }

    /// Unit gross × refunded quantity.
    pub fn refund(&self) -> i64 {
        self.unit_gross() * self.refunded_quantity
    }

    /// Gross − discount − refund − redemption.
    pub fn net(&self) -> i64 {
        self.gross() - self.discount - self.refund() - self.redemption
    }
}

/// One refund of line quantities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = MokaRefundLine)]
pub struct RefundLine {
    /// Line index in the sale.
    #[schema(example = 0)]
    pub index: u32,
    /// Units refunded.
    #[schema(example = 1)]
    pub quantity: i64,
    /// Unit gross × quantity, IDR.
    #[schema(example = 22000)]
    pub amount: i64,
}

/// A refund recorded against a sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// Integer id.
    pub id: i64,
    /// Refunded lines.
    pub lines: Vec<RefundLine>,
    /// Σ line amounts.
    pub amount: i64,
    /// `full` when the sale has nothing left to refund afterwards, else `partial`.
    pub refund_type: String,
    /// Cashier's reason.
    pub reason: String,
    /// When it was recorded.
    pub refunded_at: Millis,
}

/// A recorded sale (checkout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sale {
    /// UUID (the transaction id of the reports).
    pub id: String,
    /// Integer id (the invoice id of the reports).
    pub number: i64,
    /// Outlet.
    pub outlet_id: String,
    /// When the sale happened, whole seconds.
    pub transaction_time: Millis,
    /// One of [`PAYMENT_TYPES`].
    pub payment_type: String,
    /// Free text.
    pub payment_note: String,
    /// E.g. `Dine In`.
    pub sales_type: Option<String>,
    /// Moka customer of the outlet.
    pub customer_id: Option<i64>,
    /// Lines, in order.
    pub lines: Vec<SaleLine>,
    /// Taxes.
    pub taxes: Vec<Charge>,
    /// Gratuities (service charges).
    pub gratuities: Vec<Charge>,
    /// Present iff paid by invoice.
    pub invoice: Option<Invoice>,
    /// Refunds, oldest first.
    pub refunds: Vec<Refund>,
    /// Recording time.
    pub created_at: Millis,
    /// Last change (a refund).
    pub updated_at: Millis,
}

/// A sale's totals, every one derived from its lines, taxes and gratuities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SaleTotals {
    /// Σ line gross.
    pub gross: i64,
    /// Σ price × quantity (without modifiers).
    pub item_price: i64,
    /// Σ line discount.
    pub discount: i64,
    /// Σ line refund.
    pub refund: i64,
    /// Σ line redemption.
    pub redemption: i64,
    /// Σ taxes.
    pub taxes: i64,
    /// Σ gratuities.
    pub gratuities: i64,
    /// Gross − discount.
    pub subtotal: i64,
    /// Subtotal + taxes + gratuities (what the customer paid).
    pub collected: i64,
    /// Σ line net.
    pub net: i64,
}

impl Sale {
    /// The sale's totals.
    pub fn totals(&self) -> SaleTotals {
        let mut t = SaleTotals::default();
        for l in &self.lines {
            t.gross += l.gross();
            t.item_price += l.price * l.quantity;
            t.discount += l.discount;
            t.refund += l.refund();
            t.redemption += l.redemption;
            t.net += l.net();
        }
        t.taxes = self.taxes.iter().map(|c| c.amount).sum();
        t.gratuities = self.gratuities.iter().map(|c| c.amount).sum();
        t.subtotal = t.gross - t.discount;
        t.collected = t.subtotal + t.taxes + t.gratuities;
        t
    }

    /// True when every unit of every line has been refunded.
    pub fn fully_refunded(&self) -> bool {
        self.lines.iter().all(|l| l.refunded_quantity >= l.quantity)
    }

    /// Applies a refund of `lines` (`None` = everything not yet refunded).
    pub fn refund(
        &mut self,
        lines: Option<&[(u32, i64)]>,
        reason: String,
        id: i64,
        now: Millis,
    ) -> Result<Refund, RefundError> {
        if self.fully_refunded() {
            return Err(RefundError::FullyRefunded);
        }
        let wanted: Vec<(u32, i64)> = match lines {
            Some(l) => l.to_vec(),
            None => self
                .lines
                .iter()
                .filter(|l| l.refunded_quantity < l.quantity)
                .map(|l| (l.index, l.quantity - l.refunded_quantity))
                .collect(),
        };
        for &(index, quantity) in &wanted {
            let line = self
                .lines
                .get(index as usize)
                .ok_or(RefundError::NoLine(index))?;
            let left = line.quantity - line.refunded_quantity;
            if quantity > left {
                return Err(RefundError::TooMany { index, left });
            }
        }
        let mut out = Vec::with_capacity(wanted.len());
        for &(index, quantity) in &wanted {
            if let Some(line) = self.lines.get_mut(index as usize) {
                line.refunded_quantity += quantity;
                out.push(RefundLine {
                    index,
                    quantity,
                    amount: line.unit_gross() * quantity,
                });
            }
        }
        let refund = Refund {
            id,
            amount: out.iter().map(|l| l.amount).sum(),
            lines: out,
            refund_type: if self.fully_refunded() {
                "full"
            } else {
                "partial"
            }
            .into(),
            reason,
            refunded_at: now,
        };
        self.refunds.push(refund.clone());
        self.updated_at = now;
        Ok(refund)
    }
}

/// Why a refund cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefundError {
    /// Nothing is left to refund.
    #[error("the sale is already fully refunded")]
    FullyRefunded,
    /// The index names no line.
    #[error("Sale has no line {0}")]
    NoLine(u32),
    /// More units than remain unrefunded.
    #[error("Line {index} has only {left} unrefunded item(s)")]
    TooMany {
        /// Line index.
        index: u32,
        /// Units left.
        left: i64,
    },
}

/// A sale as the cashier sends it (spec §10.4), before validation.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = MokaSaleInput, example = json!({"transaction_time": "2024-05-03T12:30:00+07:00", "payment_type": "cash", "payment_note": "",
    "lines": [{"variant_id": 1234, "name": "Vanilla Ice Cream", "category_name": "Dessert", "quantity": 2, "price": 20000,
               "discount": 0, "cogs": 0, "redemption": 0,
               "modifiers": [{"modifier_id": 362774, "modifier_name": "Topping", "option_id": 2482800, "option_name": "Oreo", "price": 2000}]}],
    "taxes": [], "gratuities": [], "invoice": null}))]
pub struct SaleInput {
    /// When the sale happened, RFC 3339 with an offset (default: now); kept to the second.
    #[schema(required = false, nullable = false, value_type = String, format = DateTime)]
    pub transaction_time: Option<String>,
    /// How it was paid: `cash`, `card`, `invoice`, `gopay`, `qris`, `bank_transfer` or
    /// `custom`.
    #[schema(
        pattern = "^(cash|card|invoice|gopay|qris|bank_transfer|custom)$",
        example = "cash"
    )]
    pub payment_type: String,
    /// Free text, up to 255 characters (default `""`).
    #[schema(required = false, nullable = false, value_type = String, max_length = 255)]
    pub payment_note: Option<String>,
    /// Sales type, 1 to 64 characters, e.g. `Dine In` (default none).
    #[schema(required = false, value_type = Option<String>, min_length = 1, max_length = 64)]
    pub sales_type: Option<String>,
    /// A Moka customer of the outlet (default none); an unknown one answers 422.
    #[schema(required = false, value_type = Option<i64>, minimum = 1)]
    pub customer_id: Option<i64>,
    /// The lines, 1 to 100.
    #[schema(min_items = 1, max_items = 100)]
    pub lines: Vec<LineInput>,
    /// Taxes, at most 20 (default none).
    #[schema(required = false, nullable = false, value_type = Vec<Charge>, max_items = 20)]
    pub taxes: Option<Vec<Charge>>,
    /// Gratuities (service charges), at most 20 (default none).
    #[schema(required = false, nullable = false, value_type = Vec<Charge>, max_items = 20)]
    pub gratuities: Option<Vec<Charge>>,
    /// Required when `payment_type` is `invoice`, refused otherwise.
    #[schema(required = false, value_type = Option<Invoice>)]
    pub invoice: Option<Invoice>,
}

/// One line of a sale as sent.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = MokaSaleLineInput)]
pub struct LineInput {
    /// Item variant, a positive integer.
    #[schema(minimum = 1, example = 1234)]
    pub variant_id: i64,
    /// Item name, 1 to 255 characters.
    #[schema(min_length = 1, max_length = 255, example = "Vanilla Ice Cream")]
    pub name: String,
    /// Category name, 1 to 255 characters (default `Uncategorized`).
    #[schema(required = false, nullable = false, value_type = String, min_length = 1, max_length = 255)]
    pub category_name: Option<String>,
    /// Units sold, 1 to 999.
    #[schema(minimum = 1, maximum = 999, example = 2)]
    pub quantity: i64,
    /// Library price per unit without modifiers, IDR (0 to 1,000,000,000).
    #[schema(minimum = 0, maximum = 1_000_000_000, example = 20000)]
    pub price: i64,
    /// Line discount, IDR (default 0); discount + redemption must not exceed the line gross.
    #[schema(required = false, nullable = false, value_type = i64, minimum = 0, maximum = 1_000_000_000)]
    pub discount: Option<i64>,
    /// Cost of goods per unit, IDR (default 0).
    #[schema(required = false, nullable = false, value_type = i64, minimum = 0, maximum = 1_000_000_000)]
    pub cogs: Option<i64>,
    /// Loyalty redemption on the line, IDR (default 0).
    #[schema(required = false, nullable = false, value_type = i64, minimum = 0, maximum = 1_000_000_000)]
    pub redemption: Option<i64>,
    /// Chosen modifier options, at most 20 (default none).
    #[schema(required = false, nullable = false, value_type = Vec<ModifierLine>, max_items = 20)]
    pub modifiers: Option<Vec<ModifierLine>>,
}

/// A validated sale without its identity (ids, outlet, timestamps of recording).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleDraft {
    /// Whole seconds.
    pub transaction_time: Millis,
    /// Payment type.
    pub payment_type: String,
    /// Note.
    pub payment_note: String,
    /// Sales type.
    pub sales_type: Option<String>,
    /// Customer.
    pub customer_id: Option<i64>,
    /// Lines (`index` set, `id` 0 until numbered).
    pub lines: Vec<SaleLine>,
    /// Taxes.
    pub taxes: Vec<Charge>,
    /// Gratuities.
    pub gratuities: Vec<Charge>,
    /// Invoice.
    pub invoice: Option<Invoice>,
}

impl SaleDraft {
    /// The sale with its identity; line ids are `number × 100 + index`.
    pub fn into_sale(self, id: String, number: i64, outlet_id: String, now: Millis) -> Sale {
        let lines = self
            .lines
            .into_iter()
            .map(|mut l| {
                l.id = number * 100 + i64::from(l.index);
                l
            })
            .collect();
        Sale {
            id,
            number,
            outlet_id,
            transaction_time: self.transaction_time,
            payment_type: self.payment_type,
            payment_note: self.payment_note,
            sales_type: self.sales_type,
            customer_id: self.customer_id,
            lines,
            taxes: self.taxes,
            gratuities: self.gratuities,
            invoice: self.invoice,
            refunds: Vec::new(),
            created_at: now,
            updated_at: now,
        }
    }
}

/// Truncates an instant to whole seconds (the resolution of Moka times).
pub fn whole_seconds(ms: Millis) -> Millis {
    ms.div_euclid(1000) * 1000
}

fn amount(v: &mut Violations, path: String, value: i64) {
    if !(0..=MAX_AMOUNT).contains(&value) {
        v.add(path, format!("must be 0 to {MAX_AMOUNT}"));
    }
}

fn positive_id(v: &mut Violations, path: String, value: i64) {
    if value < 1 {
        v.add(path, "must be a positive integer");
    }
}

fn charges(v: &mut Violations, list: &[Charge], path: &str) {
    if list.len() > MAX_PARTS {
        v.add(path, format!("must have at most {MAX_PARTS} entries"));
    }
    for (i, c) in list.iter().enumerate() {
        positive_id(v, format!("{path}[{i}].id"), c.id);
        v.text(&format!("{path}[{i}].name"), Some(&c.name), 1, 255);
        amount(v, format!("{path}[{i}].amount"), c.amount);
    }
}

impl SaleInput {
    /// Checks every rule of spec §10.4 at once; `now` is the default transaction time.
    pub fn validate(self, now: Millis) -> Result<SaleDraft, Vec<Violation>> {
        let mut v = Violations::new();
        let transaction_time = match &self.transaction_time {
            None => whole_seconds(now),
            Some(s) => match crate::timefmt::parse_rfc3339(s) {
                Some(ms) => whole_seconds(ms),
                None => {
                    v.add(
                        "transaction_time",
                        "must be an RFC 3339 timestamp with an offset",
                    );
                    0
                }
            },
        };
        if !PAYMENT_TYPES.iter().any(|(k, _)| *k == self.payment_type) {
            let choices: Vec<&str> = PAYMENT_TYPES.iter().map(|(k, _)| *k).collect();
            v.add(
                "payment_type",
                format!("must be one of {}", choices.join(", ")),
            );
        }
        let payment_note = self.payment_note.unwrap_or_default();
        v.text("payment_note", Some(&payment_note), 0, 255);
        v.text("sales_type", self.sales_type.as_deref(), 0, 64);
        if self.sales_type.as_deref() == Some("") {
            v.add("sales_type", "must be 1 to 64 characters");
        }
        if let Some(c) = self.customer_id {
            positive_id(&mut v, "customer_id".into(), c);
        }
        if self.lines.is_empty() || self.lines.len() > MAX_LINES {
            v.add("lines", format!("must have 1 to {MAX_LINES} entries"));
        }
        let mut lines = Vec::with_capacity(self.lines.len());
        for (i, l) in self.lines.into_iter().enumerate() {
            let p = format!("lines[{i}]");
            positive_id(&mut v, format!("{p}.variant_id"), l.variant_id);
            v.text(&format!("{p}.name"), Some(&l.name), 1, 255);
            let category_name = l.category_name.unwrap_or_else(|| "Uncategorized".into());
            v.text(&format!("{p}.category_name"), Some(&category_name), 1, 255);
            if !(1..=MAX_QUANTITY).contains(&l.quantity) {
                v.add(
                    format!("{p}.quantity"),
                    format!("must be 1 to {MAX_QUANTITY}"),
                );
            }
            amount(&mut v, format!("{p}.price"), l.price);
            let discount = l.discount.unwrap_or(0);
            let cogs = l.cogs.unwrap_or(0);
            let redemption = l.redemption.unwrap_or(0);
            amount(&mut v, format!("{p}.discount"), discount);
            amount(&mut v, format!("{p}.cogs"), cogs);
            amount(&mut v, format!("{p}.redemption"), redemption);
            let modifiers = l.modifiers.unwrap_or_default();
            if modifiers.len() > MAX_PARTS {
                v.add(
                    format!("{p}.modifiers"),
                    format!("must have at most {MAX_PARTS} entries"),
                );
            }
            for (j, m) in modifiers.iter().enumerate() {
                let mp = format!("{p}.modifiers[{j}]");
                positive_id(&mut v, format!("{mp}.modifier_id"), m.modifier_id);
                positive_id(&mut v, format!("{mp}.option_id"), m.option_id);
                v.text(
                    &format!("{mp}.modifier_name"),
                    Some(&m.modifier_name),
                    1,
                    255,
                );
                v.text(&format!("{mp}.option_name"), Some(&m.option_name), 1, 255);
                amount(&mut v, format!("{mp}.price"), m.price);
            }
            let line = SaleLine {
                index: u32::try_from(i).unwrap_or(u32::MAX),
                id: 0,
                variant_id: l.variant_id,
                name: l.name,
                category_name,
                quantity: l.quantity,
                refunded_quantity: 0,
                price: l.price,
                discount,
                cogs,
                redemption,
                modifiers,
            };
            let in_range = (1..=MAX_QUANTITY).contains(&line.quantity)
                && (0..=MAX_AMOUNT).contains(&line.price)
                && line
                    .modifiers
                    .iter()
                    .all(|m| (0..=MAX_AMOUNT).contains(&m.price));
            if in_range && discount >= 0 && redemption >= 0 {
                let gross = line.gross();
                if discount + redemption > gross {
                    v.add(
                        format!("{p}.discount"),
                        format!("discount + redemption must not exceed the line gross ({gross})"),
                    );
                }
            }
            lines.push(line);
        }
        let taxes = self.taxes.unwrap_or_default();
        let gratuities = self.gratuities.unwrap_or_default();
        charges(&mut v, &taxes, "taxes");
        charges(&mut v, &gratuities, "gratuities");
        match (&self.invoice, self.payment_type == "invoice") {
            (None, true) => v.add("invoice", "is required when payment_type is invoice"),
            (Some(_), false) => v.add("invoice", "only allowed when payment_type is invoice"),
            (Some(inv), true) => {
                v.text("invoice.invoice_no", Some(&inv.invoice_no), 1, 64);
                if crate::local_time::parse_date(&inv.due_date).is_none() {
                    v.add("invoice.due_date", "must be a date YYYY-MM-DD");
                }
                amount(&mut v, "invoice.deposit_amount".into(), inv.deposit_amount);
            }
            (None, false) => {}
        }
        v.finish()?;
        Ok(SaleDraft {
            transaction_time,
            payment_type: self.payment_type,
            payment_note,
            sales_type: self.sales_type,
            customer_id: self.customer_id,
            lines,
            taxes,
            gratuities,
            invoice: self.invoice,
        })
    }
}

/// A refund as the cashier sends it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = MokaRefundInput, example = json!({"lines": [{"index": 0, "quantity": 1}], "reason": "Customer complaint"}))]
pub struct RefundInput {
    /// Lines and quantities, 1 to 100 distinct lines; absent = everything not yet refunded.
    #[schema(required = false, nullable = false, value_type = Vec<RefundLineInput>, min_items = 1, max_items = 100)]
    pub lines: Option<Vec<RefundLineInput>>,
    /// The cashier's reason, up to 255 characters (default `""`).
    #[schema(required = false, nullable = false, value_type = String, max_length = 255)]
    pub reason: Option<String>,
}

/// One line of a refund request.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = MokaRefundLineInput)]
pub struct RefundLineInput {
    /// The line's `index` in the sale (0 to 99).
    #[schema(minimum = 0, maximum = 99, example = 0)]
    pub index: i64,
    /// Units to refund, 1 to 999 and no more than remain unrefunded.
    #[schema(minimum = 1, maximum = 999, example = 1)]
    pub quantity: i64,
}

/// `(line index, quantity)` pairs of a refund.
pub type RefundLines = Vec<(u32, i64)>;

impl RefundInput {
    /// Syntax checks: indexes ≥ 0 and distinct, quantities ≥ 1, reason ≤ 255 characters.
    pub fn validate(self) -> Result<(Option<RefundLines>, String), Vec<Violation>> {
        let mut v = Violations::new();
        let reason = self.reason.unwrap_or_default();
        v.text("reason", Some(&reason), 0, 255);
        let lines = match self.lines {
            None => None,
            Some(list) => {
                if list.is_empty() || list.len() > MAX_LINES {
                    v.add("lines", format!("must have 1 to {MAX_LINES} entries"));
                }
                let mut seen = std::collections::HashSet::new();
                let mut out = Vec::with_capacity(list.len());
                for (i, l) in list.iter().enumerate() {
                    let index = u32::try_from(l.index)
                        .ok()
                        .filter(|n| (*n as usize) < MAX_LINES);
                    match index {
                        None => v.add(format!("lines[{i}].index"), "must be 0 to 99"),
                        Some(n) if !seen.insert(n) => {
                            v.add(format!("lines[{i}].index"), "is repeated")
                        }
                        Some(_) => {}
                    }
                    if !(1..=MAX_QUANTITY).contains(&l.quantity) {
                        v.add(
                            format!("lines[{i}].quantity"),
                            format!("must be 1 to {MAX_QUANTITY}"),
                        );
                    }
                    out.push((index.unwrap_or(0), l.quantity));
                }
                Some(out)
            }
        };
        v.finish()?;
        Ok((lines, reason))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(index: u32, quantity: i64, price: i64, mods: &[i64]) -> SaleLine {
        SaleLine {
            index,
            id: 0,
            variant_id: 1,
            name: "Item".into(),
            category_name: "Food".into(),
            quantity,
            refunded_quantity: 0,
            price,
            discount: 0,
            cogs: 0,
            redemption: 0,
            modifiers: mods
                .iter()
                .map(|p| ModifierLine {
                    modifier_id: 1,
                    modifier_name: "M".into(),
                    option_id: 2,
                    option_name: "O".into(),
                    price: *p,
                })
                .collect(),
        }
    }

    fn sale(lines: Vec<SaleLine>) -> Sale {
        SaleDraft {
            transaction_time: 0,
            payment_type: "cash".into(),
            payment_note: String::new(),
            sales_type: None,
            customer_id: None,
            lines,
            taxes: vec![Charge {
                id: 1,
                name: "PB1".into(),
                amount: 100,
            }],
            gratuities: vec![],
            invoice: None,
        }
        .into_sale("s".into(), 7, "G1".into(), 0)
    }

    #[test]
    fn spec_formulas() {
        let mut l = line(0, 2, 20_000, &[2_000]);
        l.discount = 4_000;
        l.redemption = 1_000;
        l.refunded_quantity = 1;
        assert_eq!(l.unit_gross(), 22_000);
        assert_eq!(l.gross(), 44_000);
        assert_eq!(l.refund(), 22_000);
        assert_eq!(l.net(), 44_000 - 4_000 - 22_000 - 1_000);
        let s = sale(vec![l]);
        let t = s.totals();
        assert_eq!(t.subtotal, 40_000);
        assert_eq!(t.collected, 40_100);
        assert_eq!(t.item_price, 40_000);
        assert_eq!(s.lines[0].id, 700);
    }

    #[test]
    fn refunds_partial_then_full_then_conflict() {
        let mut s = sale(vec![line(0, 2, 10_000, &[]), line(1, 1, 5_000, &[500])]);
        let r = s.refund(Some(&[(0, 1)]), "x".into(), 1, 5).unwrap();
        assert_eq!((r.amount, r.refund_type.as_str()), (10_000, "partial"));
        assert_eq!(
            s.refund(Some(&[(0, 2)]), String::new(), 2, 6),
            Err(RefundError::TooMany { index: 0, left: 1 })
        );
        assert_eq!(
            s.refund(Some(&[(5, 1)]), String::new(), 2, 6),
            Err(RefundError::NoLine(5))
        );
        let r = s.refund(None, String::new(), 3, 7).unwrap();
        assert_eq!((r.amount, r.refund_type.as_str()), (15_500, "full"));
        assert_eq!(s.totals().refund, 25_500);
        assert_eq!(
            s.refund(None, String::new(), 4, 8),
            Err(RefundError::FullyRefunded)
        );
    }

    proptest! {
        /// Against a model kept by the test from the raw inputs: every total matches, a
        /// refund is accepted exactly when the model has the units left, and a refused
        /// refund changes nothing.
        #[test]
        fn totals_match_an_independent_model(
            raw in proptest::collection::vec((1i64..20, 0i64..50_000, 0i64..5_000, 0i64..100, 0i64..100), 1..6),
            refunds in proptest::collection::vec((0u32..6, 1i64..5), 0..8),
        ) {
            let lines = raw.iter().enumerate()
                .map(|(i, (q, p, m, d, r))| {
                    let mut l = line(i as u32, *q, *p, &[*m]);
                    l.discount = *d;
                    l.redemption = *r;
                    l
                })
                .collect();
            let mut s = sale(lines);
            let mut left: Vec<i64> = raw.iter().map(|(q, ..)| *q).collect();
            for (n, (idx, q)) in refunds.iter().enumerate() {
                let before = s.clone();
                let ok = s.refund(Some(&[(*idx, *q)]), String::new(), n as i64, 1).is_ok();
                let fits = left.get(*idx as usize).is_some_and(|l| q <= l);
                prop_assert_eq!(ok, fits);
                if fits {
                    left[*idx as usize] -= q;
                } else {
                    prop_assert_eq!(&s, &before);
                }
            }
            let unit = |(_, p, m, _, _): &(i64, i64, i64, i64, i64)| p + m;
            let gross: i64 = raw.iter().map(|x| unit(x) * x.0).sum();
            let refund: i64 = raw.iter().zip(&left).map(|(x, l)| unit(x) * (x.0 - l)).sum();
            let discount: i64 = raw.iter().map(|x| x.3).sum();
            let redemption: i64 = raw.iter().map(|x| x.4).sum();
            let t = s.totals();
            prop_assert_eq!(t.gross, gross);
            prop_assert_eq!(t.refund, refund);
            prop_assert_eq!(t.discount, discount);
            prop_assert_eq!(t.redemption, redemption);
            prop_assert_eq!(t.net, gross - discount - refund - redemption);
            prop_assert_eq!(t.subtotal, gross - discount);
            prop_assert_eq!(t.collected, gross - discount + 100);
            prop_assert_eq!(s.refunds.iter().map(|r| r.amount).sum::<i64>(), refund);
        }
    }
}
