//! `gobiz trigger <event>`: runs the real flow that causes an event of spec §9.1 on a running
//! server, through the endpoints any client uses: a customer orders from the outlet's menu and
//! the merchant, the driver and the platform walk the order on; a wallet pays a QRIS
//! transaction; a partner re-pushes the menu. Each step is printed as it happens with the
//! events it emitted; `--synthetic` sends the plain event instead (`POST /sandbox/v1/events`).

mod orders;

use super::client::Api;
use super::sandbox::{seg, DEMO_OUTLET};
use super::{CliError, CliResult, ServerArgs};
use clap::{Args, ValueEnum};
use gobiz_domain::events::{EventFamily, EventName};
use gobiz_http::views::OutletFull;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// `gobiz trigger` options.
#[derive(Debug, Args)]
pub struct TriggerArgs {
    /// Server and admin token.
    #[command(flatten)]
    pub server: ServerArgs,
    /// The event: gofood.order.created, gofood.order.awaiting_merchant_acceptance,
    /// gofood.order.merchant_accepted, gofood.order.driver_otw_pickup,
    /// gofood.order.driver_arrived, gofood.order.placed, gofood.order.completed,
    /// gofood.order.cancelled, gofood.order.webhook_error,
    /// gofood.catalog.menu_mapping_updated or payment.transaction.settlement
    pub event: String,
    /// The outlet
    #[arg(long, default_value = DEMO_OUTLET, value_name = "OUTLET_ID")]
    pub outlet: String,
    /// Send the plain event with a realistic body (POST /sandbox/v1/events) instead of
    /// running its flow
    #[arg(long)]
    pub synthetic: bool,
    /// Order events: a pickup order instead of delivery (no driver states)
    #[arg(long)]
    pub pickup: bool,
    /// Order events: the customer's name [default: GoFood Customer]
    #[arg(long, value_name = "NAME")]
    pub customer: Option<String>,
    /// Order events: the driver's name [default: GoFood Driver]
    #[arg(long, value_name = "NAME")]
    pub driver: Option<String>,
    /// gofood.order.cancelled: the customer cancels, or the merchant rejects
    #[arg(long, value_enum, default_value_t = CancelBy::Customer)]
    pub by: CancelBy,
    /// gofood.order.cancelled: why, in words [default: Cancelled by customer; a merchant:
    /// One of the items is not available]
    #[arg(long)]
    pub reason: Option<String>,
    /// gofood.order.cancelled --by merchant: HIGH_DEMAND, RESTAURANT_CLOSED,
    /// ITEMS_OUT_OF_STOCK or OTHERS
    #[arg(long, value_name = "CODE", default_value = "ITEMS_OUT_OF_STOCK")]
    pub reason_code: String,
    /// payment.transaction.settlement: the amount, IDR
    #[arg(long, value_name = "IDR", default_value_t = 25_000)]
    pub amount: i64,
    /// gofood.catalog.menu_mapping_updated: the partner that pushes [default: the one that
    /// pushed the menu last, else the first linked for gofood]
    #[arg(long, value_name = "PARTNER_ID")]
    pub partner: Option<String>,
    /// Print a summary as JSON (event, outlet_id, entity_id, steps) instead of the steps
    #[arg(long)]
    pub json: bool,
}

/// Who cancels an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CancelBy {
    /// The customer cancels (before the food is handed over).
    Customer,
    /// The merchant rejects an order awaiting acceptance.
    Merchant,
}

/// One step of a flow, as printed and as in the `--json` summary.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// What was done, in words.
    pub action: String,
    /// What it was done to: an order number, a transaction id, a push's request id.
    pub entity_id: Option<String>,
    /// The events it emitted, in order.
    pub events: Vec<String>,
}

/// The `--json` summary.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// The event triggered.
    pub event: String,
    /// The outlet.
    pub outlet_id: String,
    /// The entity the event is about (order number, transaction id, push request id; the
    /// event id of a synthetic event).
    pub entity_id: Option<String>,
    /// The plain event was sent, not its flow.
    pub synthetic: bool,
    /// Every step, in order.
    pub steps: Vec<Step>,
}

/// What a flow needs: the server, the options and where the steps go.
pub(crate) struct Flow {
    /// The server.
    pub api: Api,
    /// The options.
    pub args: TriggerArgs,
    /// The outlet as it stood before the flow.
    pub outlet: OutletFull,
    /// The steps so far.
    pub steps: Vec<Step>,
    /// The entity the event is about.
    pub entity_id: Option<String>,
}

impl Flow {
    /// Records a step and prints it (unless `--json`).
    pub fn step(&mut self, action: impl Into<String>, entity: Option<&str>, events: Vec<String>) {
        let step = Step {
            action: action.into(),
            entity_id: entity.map(str::to_string),
            events,
        };
        if !self.args.json {
            let emitted = if step.events.is_empty() {
                "no event".to_string()
            } else {
                step.events.join(", ")
            };
            println!("  {}  → {emitted}", step.action);
        }
        self.steps.push(step);
    }
}

#[derive(Deserialize)]
struct OutletData {
    outlet: OutletFull,
}

/// Runs the flow of `args.event`.
pub async fn run(args: TriggerArgs) -> CliResult {
    let event = EventName::parse(args.event.trim()).ok_or_else(|| {
        CliError::usage(format!(
            "unknown event {:?}; known events: {}",
            args.event,
            EventName::ALL.map(EventName::as_str).join(", ")
        ))
    })?;
    check_options(&args, event)?;
    let api = Api::new(&args.server)?;
    let outlet = api
        .get::<OutletData>(&format!("/sandbox/v1/outlets/{}", seg(&args.outlet)))
        .await?
        .outlet;
    let json = args.json;
    let synthetic = args.synthetic;
    let mut flow = Flow {
        api,
        args,
        outlet,
        steps: Vec::new(),
        entity_id: None,
    };
    if !json {
        println!(
            "Triggering {event} at outlet {} ({}){}",
            flow.outlet.id,
            flow.outlet.name,
            if synthetic { ", synthetic" } else { "" }
        );
    }
    if synthetic {
        self::synthetic(&mut flow, event).await?;
    } else {
        match event.family() {
            EventFamily::Order => orders::run(&mut flow, event).await?,
            EventFamily::Catalog => catalog(&mut flow).await?,
            EventFamily::Payment => payment(&mut flow).await?,
        }
    }
    let summary = Summary {
        event: event.as_str().to_string(),
        outlet_id: flow.outlet.id.clone(),
        entity_id: flow.entity_id.clone(),
        synthetic,
        steps: flow.steps,
    };
    if json {
        super::output::json(&summary);
    } else {
        let count: usize = summary.steps.iter().map(|s| s.events.len()).sum();
        let entity = summary.entity_id.as_deref().unwrap_or("-");
        let plural = if count == 1 { "" } else { "s" };
        if synthetic {
            println!("Done: {event} sent (event {entity}).");
        } else {
            println!(
                "Done: {event} on {entity} ({count} event{plural}). Watch them with `gobiz listen`, or GET /sandbox/v1/deliveries?entity_id={entity}"
            );
        }
    }
    Ok(())
}

/// The codes a merchant rejects an order with (spec §5.7).
const REJECT_CODES: [&str; 4] = [
    "HIGH_DEMAND",
    "RESTAURANT_CLOSED",
    "ITEMS_OUT_OF_STOCK",
    "OTHERS",
];

/// Options that do not fit the event.
fn check_options(args: &TriggerArgs, event: EventName) -> CliResult {
    if args.synthetic {
        return Ok(());
    }
    if args.pickup
        && matches!(
            event,
            EventName::OrderDriverOtwPickup | EventName::OrderDriverArrived
        )
    {
        return Err(CliError::usage(format!(
            "a pickup order has no driver, so it never causes {event}; drop --pickup"
        )));
    }
    if event == EventName::OrderCancelled && args.by == CancelBy::Merchant {
        let code = args.reason_code.trim().to_ascii_uppercase();
        if !REJECT_CODES.contains(&code.as_str()) {
            return Err(CliError::usage(format!(
                "--reason-code {:?} is not a rejection code; use one of {}",
                args.reason_code,
                REJECT_CODES.join(", ")
            )));
        }
    }
    if args.amount < 1 {
        return Err(CliError::usage("--amount must be at least 1 (IDR)"));
    }
    Ok(())
}

// ---- Synthetic ----

#[derive(Deserialize)]
struct EmittedData {
    event: Emitted,
}

/// `data.event` of `POST /sandbox/v1/events` (the server's view serializes only).
#[derive(Deserialize)]
struct Emitted {
    event_id: String,
    event: String,
    deliveries: u64,
}

async fn synthetic(flow: &mut Flow, event: EventName) -> CliResult {
    let data: EmittedData = flow
        .api
        .post(
            "/sandbox/v1/events",
            &json!({ "event": event.as_str(), "outlet_id": flow.outlet.id }),
        )
        .await?;
    let e = data.event;
    flow.entity_id = Some(e.event_id.clone());
    flow.step(
        format!(
            "sent a synthetic {} (event {}) with a realistic body: {} deliver{}",
            e.event,
            e.event_id,
            e.deliveries,
            if e.deliveries == 1 { "y" } else { "ies" }
        ),
        Some(&e.event_id),
        vec![e.event],
    );
    Ok(())
}

// ---- Catalog ----

#[derive(Deserialize)]
struct PushData {
    push: Push,
}

/// `data.push` of `POST /sandbox/v1/outlets/{id}/catalog/push`.
#[derive(Deserialize)]
struct Push {
    partner_id: String,
    request_id: String,
    menu_items: u64,
}

/// A partner re-pushes the outlet's menu; the mapping event follows once it is done.
async fn catalog(flow: &mut Flow) -> CliResult {
    let body = match &flow.args.partner {
        Some(p) => json!({ "partner_id": p }),
        None => json!({}),
    };
    let data: PushData = flow
        .api
        .post(
            &format!("/sandbox/v1/outlets/{}/catalog/push", seg(&flow.outlet.id)),
            &body,
        )
        .await?;
    let p = data.push;
    flow.entity_id = Some(p.request_id.clone());
    flow.step(
        format!(
            "partner {} re-pushed the menu ({} items, request_id {}); the mapping finishes shortly",
            p.partner_id, p.menu_items, p.request_id
        ),
        Some(&p.request_id),
        vec![EventName::CatalogMenuMappingUpdated.to_string()],
    );
    Ok(())
}

// ---- Payment ----

#[derive(Deserialize)]
struct CreatedTransaction {
    transaction: TransactionView,
}

/// A QRIS transaction as the sandbox answers it (the server's views serialize only).
#[derive(Deserialize)]
struct TransactionView {
    transaction: TransactionInfo,
    #[serde(default)]
    partner_id: Option<String>,
}

#[derive(Deserialize)]
struct TransactionInfo {
    id: String,
    status: String,
    order_id: String,
    gross_amount: i64,
    qris_string: String,
}

/// A test QRIS transaction is created, then a wallet scans its QR and pays it.
async fn payment(flow: &mut Flow) -> CliResult {
    let created: CreatedTransaction = flow
        .api
        .post(
            &format!("/sandbox/v1/outlets/{}/transactions", seg(&flow.outlet.id)),
            &json!({ "gross_amount": flow.args.amount }),
        )
        .await?;
    let t = created.transaction;
    let id = t.transaction.id.clone();
    flow.entity_id = Some(id.clone());
    flow.step(
        format!(
            "created QRIS transaction {id} ({}, order_id {}){}: {}",
            super::sandbox::idr(t.transaction.gross_amount),
            t.transaction.order_id,
            t.partner_id
                .map(|p| format!(" as partner {p}"))
                .unwrap_or_default(),
            t.transaction.status
        ),
        Some(&id),
        Vec::new(),
    );
    let paid: TransactionView = flow
        .api
        .post(
            "/sandbox/v1/payments/pay",
            &json!({ "qris_string": t.transaction.qris_string }),
        )
        .await?;
    flow.step(
        format!(
            "a wallet scanned the QR code and paid: {}",
            paid.transaction.status
        ),
        Some(&id),
        vec![EventName::PaymentTransactionSettlement.to_string()],
    );
    Ok(())
}
