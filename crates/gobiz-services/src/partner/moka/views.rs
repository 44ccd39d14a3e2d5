//! The typed answers of MokaPOS (spec §8) and of the sandbox cashier (spec §10.4): the
//! sandbox's `sale` / `refund`, the invoice and transaction entries of the reports (spec
//! §8.6, §8.7 mappings), the three report answers, the library listings and a business's
//! outlets. Times are UTC with `Z`. Every type derives `ToSchema`, so the OpenAPI document
//! describes exactly what is sent.

use gobiz_domain::moka::sale::payment_type_label;
use gobiz_domain::moka::{Charge, Invoice, ModifierLine, Refund, RefundLine, Sale};
use gobiz_domain::timefmt::rfc3339_seconds;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A refund as the sandbox answers it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaRefund {
    /// Integer id of the refund.
    #[schema(example = 17)]
    pub id: i64,
    /// The refunded sale (UUID).
    #[schema(example = "752cf7ff-6625-42cb-b317-c6ee9fb5b5d5")]
    pub sale_id: String,
    /// The refunded lines and units.
    pub lines: Vec<RefundLine>,
    /// Σ line amounts, IDR.
    #[schema(example = 22000)]
    pub refund_amount: i64,
    /// `full` when nothing of the sale is left to refund afterwards, else `partial`.
    #[schema(pattern = "^(full|partial)$", example = "partial")]
    pub refund_type: String,
    /// The cashier's reason (may be empty).
    #[schema(example = "Customer complaint")]
    pub reason: String,
    /// When it was recorded (UTC).
    #[schema(format = DateTime, example = "2024-05-03T06:00:00Z")]
    pub refunded_date: String,
}

/// A refund as the sandbox answers it.
pub fn refund(sale_id: &str, r: &Refund) -> MokaRefund {
    MokaRefund {
        id: r.id,
        sale_id: sale_id.to_string(),
        lines: r.lines.clone(),
        refund_amount: r.amount,
        refund_type: r.refund_type.clone(),
        reason: r.reason.clone(),
        refunded_date: rfc3339_seconds(r.refunded_at),
    }
}

/// One line of a recorded sale, with its figures (spec §8.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaSaleLine {
    /// Position in the sale, from 0 (what a refund names).
    #[schema(example = 0)]
    pub index: u32,
    /// Line id (sale number × 100 + index).
    #[schema(example = 4378088800_i64)]
    pub id: i64,
    /// Item variant.
    #[schema(example = 1234)]
    pub variant_id: i64,
    /// Item name.
    #[schema(example = "Vanilla Ice Cream")]
    pub name: String,
    /// Category name.
    #[schema(example = "Dessert")]
    pub category_name: String,
    /// Units sold.
    #[schema(example = 2)]
    pub quantity: i64,
    /// Units refunded so far.
    #[schema(example = 0)]
    pub refunded_quantity: i64,
    /// Library price per unit, without modifiers, IDR.
    #[schema(example = 20000)]
    pub price: i64,
    /// Line discount, IDR.
    pub discount: i64,
    /// Cost of goods per unit, IDR.
    pub cogs: i64,
    /// Loyalty redemption on the line, IDR.
    pub redemption: i64,
    /// Chosen modifier options.
    pub modifiers: Vec<ModifierLine>,
    /// (price + Σ modifier prices) × quantity, IDR.
    #[schema(example = 44000)]
    pub gross: i64,
    /// (price + Σ modifier prices) × refunded quantity, IDR.
    #[schema(example = 0)]
    pub refund: i64,
    /// gross − discount − refund − redemption, IDR.
    #[schema(example = 44000)]
    pub net: i64,
}

/// A sale's totals (spec §8.1), IDR.
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaSaleTotals {
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
    /// gross − discount.
    pub subtotal: i64,
    /// subtotal + taxes + gratuities (what the customer paid).
    pub collected: i64,
    /// Σ line net.
    pub net: i64,
}

/// A sale as the sandbox answers it: every recorded field, line figures and totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaSale {
    /// UUID (the transaction id of the reports).
    #[schema(example = "752cf7ff-6625-42cb-b317-c6ee9fb5b5d5")]
    pub id: String,
    /// Integer number (the invoice id of the reports).
    #[schema(example = 43780888)]
    pub number: i64,
    /// The outlet.
    #[schema(example = "G000012345")]
    pub outlet_id: String,
    /// When the sale happened (UTC, whole seconds).
    #[schema(format = DateTime, example = "2024-05-03T05:30:00Z")]
    pub transaction_time: String,
    /// `cash`, `card`, `invoice`, `gopay`, `qris`, `bank_transfer` or `custom`.
    #[schema(example = "cash")]
    pub payment_type: String,
    /// Free text.
    pub payment_note: String,
    /// Sales type, e.g. `Dine In`, or null.
    #[schema(required = true)]
    pub sales_type: Option<String>,
    /// The outlet's Moka customer, or null.
    #[schema(required = true)]
    pub customer_id: Option<i64>,
    /// The lines, in order.
    pub lines: Vec<MokaSaleLine>,
    /// Taxes.
    pub taxes: Vec<Charge>,
    /// Gratuities (service charges).
    pub gratuities: Vec<Charge>,
    /// Invoice details when paid by invoice, else null.
    #[schema(required = true)]
    pub invoice: Option<Invoice>,
    /// Refunds, oldest first.
    pub refunds: Vec<MokaRefund>,
    /// The sale's totals.
    pub totals: MokaSaleTotals,
    /// When it was recorded (UTC).
    #[schema(format = DateTime, example = "2024-05-03T05:30:00Z")]
    pub created_at: String,
    /// Last change, e.g. a refund (UTC).
    #[schema(format = DateTime, example = "2024-05-03T05:30:00Z")]
    pub updated_at: String,
}

/// A sale as the sandbox answers it: every recorded field, line figures and totals.
pub fn sale(s: &Sale) -> MokaSale {
    let t = s.totals();
    let lines = s
        .lines
        .iter()
        .map(|l| MokaSaleLine {
            index: l.index,
            id: l.id,
            variant_id: l.variant_id,
            name: l.name.clone(),
            category_name: l.category_name.clone(),
            quantity: l.quantity,
            refunded_quantity: l.refunded_quantity,
            price: l.price,
            discount: l.discount,
            cogs: l.cogs,
            redemption: l.redemption,
            modifiers: l.modifiers.clone(),
            gross: l.gross(),
            refund: l.refund(),
            net: l.net(),
        })
        .collect();
    MokaSale {
        id: s.id.clone(),
        number: s.number,
        outlet_id: s.outlet_id.clone(),
        transaction_time: rfc3339_seconds(s.transaction_time),
        payment_type: s.payment_type.clone(),
        payment_note: s.payment_note.clone(),
        sales_type: s.sales_type.clone(),
        customer_id: s.customer_id,
        lines,
        taxes: s.taxes.clone(),
        gratuities: s.gratuities.clone(),
        invoice: s.invoice.clone(),
        refunds: s.refunds.iter().map(|r| refund(&s.id, r)).collect(),
        totals: MokaSaleTotals {
            gross: t.gross,
            item_price: t.item_price,
            discount: t.discount,
            refund: t.refund,
            redemption: t.redemption,
            taxes: t.taxes,
            gratuities: t.gratuities,
            subtotal: t.subtotal,
            collected: t.collected,
            net: t.net,
        },
        created_at: rfc3339_seconds(s.created_at),
        updated_at: rfc3339_seconds(s.updated_at),
    }
}

/// An entry of the invoices report (spec §8.6); amounts in IDR.
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaInvoice {
    /// The sale's integer number.
    #[schema(example = 43780888)]
    pub id: i64,
    /// Invoice number.
    #[schema(example = "INV10EF2H3")]
    pub invoice_no: String,
    /// Due date, `YYYY-MM-DD`.
    #[schema(example = "2021-11-25")]
    pub invoice_due_date: String,
    /// Deposit already paid.
    pub invoice_deposit_amount: i64,
    /// What the customer paid: subtotal + taxes + gratuities.
    #[schema(example = 68000)]
    pub amount_pay: i64,
    /// Always 0.
    #[schema(example = 0)]
    pub amount_change: i64,
    /// Σ taxes.
    pub total_tax_amount: i64,
    /// gross − discount − refund.
    #[schema(example = 68000)]
    pub total_net_sales: i64,
    /// Σ price × quantity (without modifiers).
    #[schema(example = 68000)]
    pub total_item_price_amount: i64,
    /// Σ line gross.
    #[schema(example = 68000)]
    pub total_gross_sales: i64,
    /// Σ gratuities.
    pub total_gratuity_amount: i64,
    /// Σ line discount.
    pub total_discount_amount: i64,
    /// Same as `amount_pay`.
    #[schema(example = 68000)]
    pub total_collected_amount: i64,
    /// gross − discount.
    #[schema(example = 68000)]
    pub subtotal: i64,
    /// Σ line refund.
    pub refund_amount: i64,
    /// Always `invoice`.
    #[schema(example = "invoice")]
    pub payment_type: String,
    /// Free text.
    #[schema(example = "test")]
    pub payment_note: String,
    /// Same as `invoice_no`.
    #[schema(example = "INV10EF2H3")]
    pub payment_no: String,
    /// True when the sale has at least one refund.
    pub is_refunded: bool,
    /// Always true.
    #[schema(example = true)]
    pub is_refund_breakdown: bool,
    /// The sale's transaction time (UTC).
    #[schema(format = DateTime, example = "2021-11-25T08:26:52Z")]
    pub created_at: String,
    /// The last refund's time, else the transaction time (UTC).
    #[schema(format = DateTime, example = "2021-11-25T08:26:52Z")]
    pub updated_at: String,
}

/// An entry of the invoices report (spec §8.6).
pub fn invoice(s: &Sale) -> MokaInvoice {
    let t = s.totals();
    let (no, due, deposit) = match &s.invoice {
        Some(i) => (i.invoice_no.clone(), i.due_date.clone(), i.deposit_amount),
        None => (String::new(), String::new(), 0),
    };
    MokaInvoice {
        id: s.number,
        invoice_no: no.clone(),
        invoice_due_date: due,
        invoice_deposit_amount: deposit,
        amount_pay: t.collected,
        amount_change: 0,
        total_tax_amount: t.taxes,
        total_net_sales: t.gross - t.discount - t.refund,
        total_item_price_amount: t.item_price,
        total_gross_sales: t.gross,
        total_gratuity_amount: t.gratuities,
        total_discount_amount: t.discount,
        total_collected_amount: t.collected,
        subtotal: t.subtotal,
        refund_amount: t.refund,
        payment_type: s.payment_type.clone(),
        payment_note: s.payment_note.clone(),
        payment_no: no,
        is_refunded: !s.refunds.is_empty(),
        is_refund_breakdown: true,
        created_at: rfc3339_seconds(s.transaction_time),
        updated_at: rfc3339_seconds(last_change(s)),
    }
}

/// When the sale last changed in the shop: its last refund, else the sale itself.
fn last_change(s: &Sale) -> i64 {
    s.refunds
        .iter()
        .map(|r| r.refunded_at)
        .fold(s.transaction_time, i64::max)
}

/// A tax or gratuity of a paid transaction (`payment_taxes[]`, `payment_gratuities[]`).
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaPaymentCharge {
    /// Library id.
    #[schema(example = 66724)]
    pub id: i64,
    /// Name.
    #[schema(example = "Pajak Jadian")]
    pub name: String,
    /// Amount, IDR.
    #[schema(example = 100)]
    pub amount: i64,
    /// Same as `amount`.
    #[schema(example = 100)]
    pub total: i64,
    /// The sale's subtotal, IDR.
    #[schema(example = 45900)]
    pub taxable_amount: i64,
}

/// `payment_taxes[]` / `payment_gratuities[]`: each charge on the sale's subtotal.
fn charges(list: &[Charge], taxable: i64) -> Vec<MokaPaymentCharge> {
    list.iter()
        .map(|c| MokaPaymentCharge {
            id: c.id,
            name: c.name.clone(),
            amount: c.amount,
            total: c.amount,
            taxable_amount: taxable,
        })
        .collect()
}

/// A refund of a paid transaction (`payment_refunds[]`).
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaPaymentRefund {
    /// Integer id of the refund.
    #[schema(example = 17)]
    pub id: i64,
    /// Always `Done`.
    #[schema(example = "Done")]
    pub status: String,
    /// Always 0.
    #[schema(example = 0)]
    pub amount_pay: i64,
    /// Refunded amount, IDR.
    #[schema(example = 22000)]
    pub refund_amount: i64,
    /// `full` or `partial`.
    #[schema(pattern = "^(full|partial)$", example = "partial")]
    pub refund_type: String,
    /// The cashier's reason.
    pub refunded_reason: String,
    /// When it was recorded (UTC).
    #[schema(format = DateTime, example = "2020-08-03T09:30:50Z")]
    pub refunded_date: String,
    /// Always true.
    #[schema(example = true)]
    pub is_refunded: bool,
}

/// An item of a paid transaction (`items[]`); amounts in IDR.
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaTransactionItem {
    /// Line id.
    #[schema(example = 20472591)]
    pub id: i64,
    /// Always 0.
    #[schema(example = 0)]
    pub custom_amount: i64,
    /// Item variant.
    #[schema(example = 36629111)]
    pub variant_id: i64,
    /// Item name.
    #[schema(example = "Ayam Bawang")]
    pub item_name: String,
    /// Category name.
    #[schema(example = "Food")]
    pub category_name: String,
    /// Units sold.
    #[schema(example = 1)]
    pub quantity: i64,
    /// Line discount.
    #[schema(example = 5100)]
    pub discount_amount: i64,
    /// Always 0 (taxes are on the sale).
    #[schema(example = 0)]
    pub tax_amount: i64,
    /// Library price per unit, without modifiers.
    #[schema(example = 51000)]
    pub price_library: i64,
    /// Unit price with modifiers.
    #[schema(example = 51000)]
    pub price: i64,
    /// Unit price × quantity.
    #[schema(example = 51000)]
    pub gross_sales: i64,
}

/// An entry of the paid-transactions report (spec §8.7); amounts in IDR.
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaTransaction {
    /// The sale's UUID.
    #[schema(example = "752cf7ff-6625-42cb-b317-c6ee9fb5b5d5")]
    pub id: String,
    /// subtotal + taxes + gratuities.
    #[schema(example = 46000)]
    pub total_collected: i64,
    /// The first line's item name.
    #[schema(example = "Ayam Bawang")]
    pub name: String,
    /// The invoice number, else the first 7 hex digits of the id in upper case.
    #[schema(example = "752CF7F")]
    pub payment_no: String,
    /// `cash`, `card`, `invoice`, `gopay`, `qris`, `bank_transfer` or `custom`.
    #[schema(example = "cash")]
    pub payment_type: String,
    /// The payment type in words, e.g. `Cash`.
    #[schema(example = "Cash")]
    pub payment_type_label: String,
    /// Free text.
    #[schema(example = "")]
    pub payment_note: String,
    /// Σ line discount.
    #[schema(example = 5100)]
    pub discounts: i64,
    /// gross − discount.
    #[schema(example = 45900)]
    pub subtotal: i64,
    /// Σ gratuities.
    #[schema(example = 0)]
    pub gratuities: i64,
    /// Σ taxes.
    #[schema(example = 100)]
    pub taxes: i64,
    /// Same as `total_collected`.
    #[schema(example = 46000)]
    pub tendered: i64,
    /// The sale's transaction time (UTC).
    #[schema(format = DateTime, example = "2020-08-03T08:30:50Z")]
    pub transaction_date: String,
    /// Due date (`YYYY-MM-DD`) of an invoice sale, else null.
    #[schema(required = true)]
    pub invoice_due_date: Option<String>,
    /// Invoice number of an invoice sale, else null.
    #[schema(required = true)]
    pub invoice_no: Option<String>,
    /// Deposit of an invoice sale, else null.
    #[schema(required = true)]
    pub invoice_deposit_amount: Option<i64>,
    /// Always empty.
    #[schema(value_type = Vec<Object>, max_items = 0)]
    pub invoice_payment_records: Vec<serde_json::Value>,
    /// The sale's taxes.
    pub payment_taxes: Vec<MokaPaymentCharge>,
    /// The sale's gratuities.
    pub payment_gratuities: Vec<MokaPaymentCharge>,
    /// Always empty (discounts are line-level).
    #[schema(value_type = Vec<Object>, max_items = 0)]
    pub payment_discounts: Vec<serde_json::Value>,
    /// One entry per refund, oldest first.
    pub payment_refunds: Vec<MokaPaymentRefund>,
    /// The sale's lines.
    pub items: Vec<MokaTransactionItem>,
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
pub fn transaction(s: &Sale) -> MokaTransaction {
    let t = s.totals();
    let refunds = s
        .refunds
        .iter()
        .map(|r| MokaPaymentRefund {
            id: r.id,
            status: "Done".into(),
            amount_pay: 0,
            refund_amount: r.amount,
            refund_type: r.refund_type.clone(),
            refunded_reason: r.reason.clone(),
            refunded_date: rfc3339_seconds(r.refunded_at),
            is_refunded: true,
        })
        .collect();
    let items = s
        .lines
        .iter()
        .map(|l| MokaTransactionItem {
            id: l.id,
            custom_amount: 0,
            variant_id: l.variant_id,
            item_name: l.name.clone(),
            category_name: l.category_name.clone(),
            quantity: l.quantity,
            discount_amount: l.discount,
            tax_amount: 0,
            price_library: l.price,
            price: l.unit_gross(),
            gross_sales: l.gross(),
        })
        .collect();
    let invoice = s.invoice.as_ref();
    MokaTransaction {
        id: s.id.clone(),
        total_collected: t.collected,
        name: s.lines.first().map(|l| l.name.clone()).unwrap_or_default(),
        payment_no: payment_no(s),
        payment_type: s.payment_type.clone(),
        payment_type_label: payment_type_label(&s.payment_type).to_string(),
        payment_note: s.payment_note.clone(),
        discounts: t.discount,
        subtotal: t.subtotal,
        gratuities: t.gratuities,
        taxes: t.taxes,
        tendered: t.collected,
        transaction_date: rfc3339_seconds(s.transaction_time),
        invoice_due_date: invoice.map(|i| i.due_date.clone()),
        invoice_no: invoice.map(|i| i.invoice_no.clone()),
        invoice_deposit_amount: invoice.map(|i| i.deposit_amount),
        invoice_payment_records: Vec::new(),
        payment_taxes: charges(&s.taxes, t.subtotal),
        payment_gratuities: charges(&s.gratuities, t.subtotal),
        payment_discounts: Vec::new(),
        payment_refunds: refunds,
        items,
    }
}

/// `data` of the invoices report (spec §8.6).
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaInvoicesPage {
    /// Invoice sales of the page, newest first.
    pub invoices: Vec<MokaInvoice>,
    /// True on the last page.
    pub completed: bool,
}

/// `data` of the paid-transactions report (spec §8.7).
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaTransactionsPage {
    /// Sales of the page, by transaction time in the requested order.
    pub transactions: Vec<MokaTransaction>,
    /// True on the last page.
    pub completed: bool,
}

/// A Moka customer of an outlet (spec §8.9), as listed and as the sandbox creates it. Also
/// the stored document, so it deserializes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MokaCustomer {
    /// Integer id.
    #[schema(example = 4504270)]
    pub id: i64,
    /// Name.
    #[schema(example = "Peter Parker")]
    pub name: String,
    /// Phone, or null.
    #[schema(required = true, example = "+6281234567890")]
    pub phone: Option<String>,
    /// E-mail, or null.
    #[schema(required = true, example = "peter@example.com")]
    pub email: Option<String>,
    /// Street address, or null.
    #[schema(required = true, example = "Teluk Gong")]
    pub address: Option<String>,
    /// City, or null.
    #[schema(required = true, example = "Jakarta")]
    pub city: Option<String>,
    /// State, or null.
    #[schema(required = true, example = "Jakarta")]
    pub state: Option<String>,
    /// Postal code, or null.
    #[schema(required = true, example = "14450")]
    pub postal_code: Option<String>,
    /// Creation time (UTC).
    #[schema(format = DateTime, example = "2021-11-26T10:40:54Z")]
    pub created_at: String,
    /// Last change (UTC).
    #[schema(format = DateTime, example = "2021-11-26T10:40:54Z")]
    pub updated_at: String,
}

/// An active gratuity (service charge) of an outlet (spec §8.8), as listed. Also the stored
/// document, so it deserializes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MokaGratuity {
    /// Integer id.
    #[schema(example = 232904)]
    pub id: i64,
    /// Name.
    #[schema(example = "Service charge")]
    pub name: String,
    /// Amount, IDR.
    #[schema(example = 1000)]
    pub amount: i64,
    /// Last change (UTC).
    #[schema(format = DateTime, example = "2021-11-22T06:41:25Z")]
    pub updated_at: String,
    /// Creation time (UTC).
    #[schema(format = DateTime, example = "2021-11-22T06:41:25Z")]
    pub created_at: String,
}

/// A gratuity as the sandbox creates it: the listed fields and whether it is active.
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaCreatedGratuity {
    /// Integer id.
    #[schema(example = 232904)]
    pub id: i64,
    /// Name.
    #[schema(example = "Service charge")]
    pub name: String,
    /// Amount, IDR.
    #[schema(example = 1000)]
    pub amount: i64,
    /// Last change (UTC).
    #[schema(format = DateTime, example = "2021-11-22T06:41:25Z")]
    pub updated_at: String,
    /// Creation time (UTC).
    #[schema(format = DateTime, example = "2021-11-22T06:41:25Z")]
    pub created_at: String,
    /// Whether it is active (only active gratuities are listed).
    #[schema(example = true)]
    pub active: bool,
}

/// `data` of the active gratuities listing (spec §8.8). Note the singular key `gratuity`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaGratuitiesPage {
    /// Pages of `per_page` entries.
    #[schema(example = 1)]
    pub total_pages: i64,
    /// Active gratuities of the outlet.
    #[schema(example = 1)]
    pub total_count: i64,
    /// The page's gratuities, by id.
    pub gratuity: Vec<MokaGratuity>,
}

/// `data` of the customers listing (spec §8.9).
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaCustomersPage {
    /// Pages of `per_page` entries.
    #[schema(example = 1)]
    pub total_pages: i64,
    /// Customers of the outlet.
    #[schema(example = 1)]
    pub total_count: i64,
    /// The page's customers, by id.
    pub customers: Vec<MokaCustomer>,
}

/// An outlet of a business (spec §8.10).
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaBusinessOutlet {
    /// GoBiz outlet id.
    #[schema(example = "G000012345")]
    pub id: String,
    /// Outlet name.
    #[schema(example = "Kopi Senja Kemang")]
    pub name: String,
}

/// `data` of the business outlets listing (spec §8.10).
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaBusinessOutlets {
    /// The merchant's outlets the caller may act on.
    pub outlets: Vec<MokaBusinessOutlet>,
}

/// The sales summary's entry of one currency (spec §8.3); amounts in IDR.
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaCurrencySummary {
    /// Always `IDR`.
    #[schema(example = "IDR")]
    pub currency: String,
    /// Σ line refund.
    #[schema(example = 68000)]
    pub refund: i64,
    /// Σ line gross.
    #[schema(example = 5526000)]
    pub gross_amount: i64,
    /// Σ line redemption.
    #[schema(example = 1000)]
    pub redemption: i64,
}

/// `data` of the sales summary (spec §8.3).
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaSalesSummary {
    /// One entry per currency: always exactly one `IDR` entry, zeros when there are no sales.
    pub sales_summary: Vec<MokaCurrencySummary>,
}

/// One variant's sales (spec §8.4); amounts in IDR.
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaItemSale {
    /// Item variant, as a string.
    #[schema(example = "1234")]
    pub variant_id: String,
    /// Item name.
    #[schema(example = "Vanilla Ice Cream")]
    pub name: String,
    /// Category name.
    #[schema(example = "Dessert")]
    pub category_name: String,
    /// Σ line refund.
    #[schema(example = 0)]
    pub refund: i64,
    /// Σ line redemption.
    #[schema(example = 0)]
    pub redemption: i64,
    /// Σ line net.
    #[schema(example = 80000)]
    pub net_sales: i64,
    /// Σ quantity.
    #[schema(example = 4)]
    pub item_sold: i64,
    /// Σ refunded quantity.
    #[schema(example = 0)]
    pub item_refunded: i64,
    /// Σ unit cogs × quantity.
    #[schema(example = 0)]
    pub cogs: i64,
    /// Σ line gross.
    #[schema(example = 80000)]
    pub gross_sales: i64,
    /// net_sales − cogs.
    #[schema(example = 80000)]
    pub gross_profit: i64,
    /// Σ line discount.
    #[schema(example = 0)]
    pub discount: i64,
}

/// `data` of the item sales report (spec §8.4); the totals sum the entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaItemSales {
    /// Σ `refund`.
    #[schema(example = 0)]
    pub total_refund: i64,
    /// Σ `net_sales`.
    #[schema(example = 80000)]
    pub total_net_sales: i64,
    /// Σ `item_sold`.
    #[schema(example = 4)]
    pub total_item_sold: i64,
    /// Σ `gross_sales`.
    #[schema(example = 80000)]
    pub total_gross_sales: i64,
    /// Σ `discount`.
    #[schema(example = 0)]
    pub total_discounts: i64,
    /// One entry per variant, sorted by name.
    pub item_sales: Vec<MokaItemSale>,
}

/// One modifier option's sales (spec §8.5); amounts in IDR.
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaOptionSales {
    /// Option id.
    #[schema(example = 2482800)]
    pub id: i64,
    /// Option name.
    #[schema(example = "Oreo")]
    pub name: String,
    /// Option price × refunded quantity.
    #[schema(example = 0)]
    pub refund: i64,
    /// Σ line quantity.
    #[schema(example = 4)]
    pub quantity: i64,
    /// gross_sales − refund.
    #[schema(example = 8000)]
    pub net_sales: i64,
    /// Option price × quantity.
    #[schema(example = 8000)]
    pub gross_sales: i64,
    /// Always 0 (discounts are line-level).
    #[schema(example = 0)]
    pub discount: i64,
}

/// One modifier's sales, the sums of its options (spec §8.5); amounts in IDR.
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaModifierSales {
    /// Modifier id.
    #[schema(example = 362774)]
    pub id: i64,
    /// Modifier name.
    #[schema(example = "Topping")]
    pub name: String,
    /// Σ option refund.
    #[schema(example = 0)]
    pub refund: i64,
    /// Σ option quantity.
    #[schema(example = 4)]
    pub quantity: i64,
    /// Σ option net sales.
    #[schema(example = 8000)]
    pub net_sales: i64,
    /// Σ option gross sales.
    #[schema(example = 8000)]
    pub gross_sales: i64,
    /// Always 0.
    #[schema(example = 0)]
    pub discount: i64,
    /// The options sold, sorted by name.
    pub options: Vec<MokaOptionSales>,
}

/// `data` of the modifiers summary (spec §8.5); the totals sum the modifiers.
#[derive(Debug, Serialize, ToSchema)]
pub struct MokaModifiersSummary {
    /// Σ `refund`.
    #[schema(example = 0)]
    pub total_refunds: i64,
    /// Σ `quantity`.
    #[schema(example = 4)]
    pub total_quantity: i64,
    /// Σ `net_sales`.
    #[schema(example = 8000)]
    pub total_net_sales: i64,
    /// Σ `gross_sales`.
    #[schema(example = 8000)]
    pub total_gross_sales: i64,
    /// Always 0.
    #[schema(example = 0)]
    pub total_discounts: i64,
    /// Modifiers sold, sorted by name.
    pub modifiers: Vec<MokaModifierSales>,
}

/// What `POST /sandbox/v1/outlets/{outlet_id}/moka/generate` made.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MokaGeneratedSales {
    /// Sales generated.
    #[schema(example = 500)]
    pub count: i64,
    /// The seed used.
    #[schema(example = 42)]
    pub seed: i64,
    /// Earliest possible transaction time (UTC, whole seconds).
    #[schema(format = DateTime, example = "2024-04-03T00:00:00Z")]
    pub from: String,
    /// Latest possible transaction time (UTC, whole seconds).
    #[schema(format = DateTime, example = "2024-05-03T00:00:00Z")]
    pub to: String,
    /// Sales that were partly refunded.
    #[schema(example = 12)]
    pub refunds: i64,
}
