//! JSON of Moka sales: the sandbox's `sale` / `refund`, and the invoice and transaction
//! entries of the reports (spec §8.6, §8.7 mappings). Times are UTC with `Z`.

use gobiz_domain::moka::sale::payment_type_label;
use gobiz_domain::moka::{Charge, Refund, Sale};
use gobiz_domain::timefmt::rfc3339_seconds;
use serde_json::{json, Value};

/// A refund as the sandbox answers it.
pub fn refund(sale_id: &str, r: &Refund) -> Value {
    json!({ "id": r.id, "sale_id": sale_id, "lines": r.lines, "refund_amount": r.amount,
            "refund_type": r.refund_type, "reason": r.reason,
            "refunded_date": rfc3339_seconds(r.refunded_at) })
}

/// A sale as the sandbox answers it: every recorded field, line figures and totals.
pub fn sale(s: &Sale) -> Value {
    let t = s.totals();
    let lines: Vec<Value> = s
        .lines
        .iter()
        .map(|l| {
            json!({ "index": l.index, "id": l.id, "variant_id": l.variant_id, "name": l.name,
                    "category_name": l.category_name, "quantity": l.quantity,
                    "refunded_quantity": l.refunded_quantity, "price": l.price,
                    "discount": l.discount, "cogs": l.cogs, "redemption": l.redemption,
                    "modifiers": l.modifiers, "gross": l.gross(), "refund": l.refund(),
                    "net": l.net() })
        })
        .collect();
    let refunds: Vec<Value> = s.refunds.iter().map(|r| refund(&s.id, r)).collect();
    json!({ "id": s.id, "number": s.number, "outlet_id": s.outlet_id,
            "transaction_time": rfc3339_seconds(s.transaction_time),
            "payment_type": s.payment_type, "payment_note": s.payment_note,
            "sales_type": s.sales_type, "customer_id": s.customer_id, "lines": lines,
            "taxes": s.taxes, "gratuities": s.gratuities, "invoice": s.invoice,
            "refunds": refunds,
            "totals": { "gross": t.gross, "item_price": t.item_price, "discount": t.discount,
                        "refund": t.refund, "redemption": t.redemption, "taxes": t.taxes,
                        "gratuities": t.gratuities, "subtotal": t.subtotal,
                        "collected": t.collected, "net": t.net },
            "created_at": rfc3339_seconds(s.created_at),
            "updated_at": rfc3339_seconds(s.updated_at) })
}

/// An entry of the invoices report (spec §8.6).
pub fn invoice(s: &Sale) -> Value {
    let t = s.totals();
    let (no, due, deposit) = match &s.invoice {
        Some(i) => (i.invoice_no.clone(), i.due_date.clone(), i.deposit_amount),
        None => (String::new(), String::new(), 0),
    };
    json!({ "id": s.number, "invoice_no": no, "invoice_due_date": due,
            "invoice_deposit_amount": deposit, "amount_pay": t.collected, "amount_change": 0,
            "total_tax_amount": t.taxes, "total_net_sales": t.gross - t.discount - t.refund,
            "total_item_price_amount": t.item_price, "total_gross_sales": t.gross,
            "total_gratuity_amount": t.gratuities, "total_discount_amount": t.discount,
            "total_collected_amount": t.collected, "subtotal": t.subtotal,
            "refund_amount": t.refund, "payment_type": s.payment_type,
            "payment_note": s.payment_note, "payment_no": no,
            "is_refunded": !s.refunds.is_empty(), "is_refund_breakdown": true,
            "created_at": rfc3339_seconds(s.transaction_time),
            "updated_at": rfc3339_seconds(last_change(s)) })
}

/// When the sale last changed in the shop: its last refund, else the sale itself.
fn last_change(s: &Sale) -> i64 {
    s.refunds
        .iter()
        .map(|r| r.refunded_at)
        .fold(s.transaction_time, i64::max)
}

/// `payment_taxes[]` / `payment_gratuities[]`: each charge on the sale's subtotal.
fn charges(list: &[Charge], taxable: i64) -> Vec<Value> {
    list.iter()
        .map(|c| {
            json!({ "id": c.id, "name": c.name, "amount": c.amount, "total": c.amount,
                    "taxable_amount": taxable })
        })
        .collect()
}

/// The payment number of a sale: the invoice number, else the first 7 hex digits of its id
/// in upper case.
fn payment_no(s: &Sale) -> String {
    match &s.invoice {
        Some(i) => i.invoice_no.clone(),
        None => {
            s.id.chars()
                .filter(char::is_ascii_hexdigit)
                .take(7)
                .collect::<String>()
                .to_ascii_uppercase()
        }
    }
}

/// An entry of the paid-transactions report (spec §8.7).
pub fn transaction(s: &Sale) -> Value {
    let t = s.totals();
    let refunds: Vec<Value> = s
        .refunds
        .iter()
        .map(|r| {
            json!({ "id": r.id, "status": "Done", "amount_pay": 0, "refund_amount": r.amount,
                    "refund_type": r.refund_type, "refunded_reason": r.reason,
                    "refunded_date": rfc3339_seconds(r.refunded_at), "is_refunded": true })
        })
        .collect();
    let items: Vec<Value> = s
        .lines
        .iter()
        .map(|l| {
            json!({ "id": l.id, "custom_amount": 0, "variant_id": l.variant_id,
                    "item_name": l.name, "category_name": l.category_name,
                    "quantity": l.quantity, "discount_amount": l.discount, "tax_amount": 0,
                    "price_library": l.price, "price": l.unit_gross(),
                    "gross_sales": l.gross() })
        })
        .collect();
    let invoice = s.invoice.as_ref();
    json!({ "id": s.id, "total_collected": t.collected,
            "name": s.lines.first().map(|l| l.name.as_str()).unwrap_or_default(),
            "payment_no": payment_no(s), "payment_type": s.payment_type,
            "payment_type_label": payment_type_label(&s.payment_type),
            "payment_note": s.payment_note, "discounts": t.discount, "subtotal": t.subtotal,
            "gratuities": t.gratuities, "taxes": t.taxes, "tendered": t.collected,
            "transaction_date": rfc3339_seconds(s.transaction_time),
            "invoice_due_date": invoice.map(|i| i.due_date.clone()),
            "invoice_no": invoice.map(|i| i.invoice_no.clone()),
            "invoice_deposit_amount": invoice.map(|i| i.deposit_amount),
            "invoice_payment_records": [],
            "payment_taxes": charges(&s.taxes, t.subtotal),
            "payment_gratuities": charges(&s.gratuities, t.subtotal),
            "payment_discounts": [], "payment_refunds": refunds, "items": items })
}
