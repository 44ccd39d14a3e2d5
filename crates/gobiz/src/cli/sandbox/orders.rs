//! `gobiz sandbox orders …`: the customer, driver and platform simulators of GoFood orders.

use super::{idr, or_dash, seg, Ctx, DEMO_OUTLET};
use crate::cli::output::{fields, table};
use crate::cli::{CliError, CliResult};
use clap::{Args, Subcommand};
use gobiz_domain::catalog::CatalogReadModel;
use gobiz_http::views::SandboxOrder;
use serde::Deserialize;
use serde_json::{json, Value};

/// The order subcommands.
#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// Place a GoFood order as a customer; without --item, a basket from the outlet's menu.
    ///
    /// Example: gobiz sandbox orders place --outlet G000012345 --item XID:2:V-XID --item XID-2
    Place(PlaceArgs),
    /// List an outlet's orders, newest first.
    ///
    /// Example: gobiz sandbox orders list --outlet G000012345 --per-page 50
    List(ListArgs),
    /// Show one order with its items and every state it went through.
    ///
    /// Example: gobiz sandbox orders show F-852457710
    Show {
        /// The order number (`F-…`)
        order: String,
    },
    /// Move an order to its next state, or through every state up to --to, emitting each
    /// state's webhook.
    ///
    /// Example: gobiz sandbox orders advance F-852457710 --to COMPLETED
    Advance {
        /// The order number (`F-…`)
        order: String,
        /// The state to walk to: MERCHANT_ACCEPTED, DRIVER_OTW_PICKUP, DRIVER_ARRIVED, PLACED,
        /// COMPLETED [default: the next state]
        #[arg(long, value_name = "STATE")]
        to: Option<String>,
    },
    /// Give an accepted delivery order a driver (it becomes DRIVER_OTW_PICKUP).
    ///
    /// Example: gobiz sandbox orders driver F-852457710 --name Agus
    Driver {
        /// The order number (`F-…`)
        order: String,
        /// The driver's name [default: GoFood Driver]
        #[arg(long)]
        name: Option<String>,
    },
    /// Cancel an order as the customer (before it is PLACED).
    ///
    /// Example: gobiz sandbox orders cancel F-852457710 --reason "Changed my mind"
    Cancel {
        /// The order number (`F-…`)
        order: String,
        /// Why [default: Cancelled by customer]
        #[arg(long)]
        reason: Option<String>,
    },
}

/// `gobiz sandbox orders place` options.
#[derive(Debug, Args)]
pub struct PlaceArgs {
    /// The outlet
    #[arg(long, default_value = DEMO_OUTLET, value_name = "OUTLET_ID")]
    pub outlet: String,
    /// An item by its catalog external_id (or GoBiz id), with a quantity and chosen variants
    /// (repeatable); required variants not named are picked from the menu
    #[arg(long = "item", value_name = "ID[:QTY[:VARIANT,...]]")]
    pub items: Vec<String>,
    /// A pickup order instead of delivery
    #[arg(long)]
    pub pickup: bool,
    /// The customer's name [default: GoFood Customer]
    #[arg(long, value_name = "NAME")]
    pub customer: Option<String>,
    /// The customer asks for cutlery
    #[arg(long)]
    pub cutlery: bool,
    /// Takeaway charges, IDR
    #[arg(long, value_name = "IDR")]
    pub takeaway_charges: Option<i64>,
    /// A note on every item
    #[arg(long)]
    pub notes: Option<String>,
}

/// `gobiz sandbox orders list` options.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// The outlet
    #[arg(long, default_value = DEMO_OUTLET, value_name = "OUTLET_ID")]
    pub outlet: String,
    /// Page, from 1
    #[arg(long, default_value_t = 1)]
    pub page: u64,
    /// Orders per page, 1 to 100
    #[arg(long, default_value_t = 20)]
    pub per_page: u64,
}

#[derive(Deserialize)]
struct OrderData {
    order: SandboxOrder,
}

#[derive(Deserialize)]
struct OrdersData {
    orders: Vec<SandboxOrder>,
}

/// `gobiz sandbox orders …`.
pub async fn run(ctx: &Ctx, command: OrdersCommand) -> CliResult {
    let order = match command {
        OrdersCommand::Place(a) => place(ctx, a).await?,
        OrdersCommand::List(a) => {
            let data: OrdersData = ctx
                .api
                .get_query(
                    &format!("/sandbox/v1/outlets/{}/orders", seg(&a.outlet)),
                    &[
                        ("page", a.page.to_string()),
                        ("per_page", a.per_page.to_string()),
                    ],
                )
                .await?;
            ctx.show(&data.orders, |orders| {
                let rows = orders
                    .iter()
                    .map(|o| {
                        vec![
                            o.body.order.order_number.clone(),
                            o.body.order.status.as_str().to_string(),
                            o.body.service_type.clone(),
                            idr(o.body.order.order_total),
                            o.body.customer.name.clone(),
                            o.body.order.created_at.clone(),
                        ]
                    })
                    .collect();
                table(
                    &["ORDER", "STATUS", "SERVICE", "TOTAL", "CUSTOMER", "CREATED"],
                    rows,
                );
            });
            return Ok(());
        }
        OrdersCommand::Show { order } => {
            let data: OrderData = ctx
                .api
                .get(&format!("/sandbox/v1/orders/{}", seg(&order)))
                .await?;
            data.order
        }
        OrdersCommand::Advance { order, to } => {
            let body = match to {
                Some(t) => json!({ "to": t.trim().to_ascii_uppercase() }),
                None => json!({}),
            };
            let data: OrderData = ctx
                .api
                .post(
                    &format!("/sandbox/v1/orders/{}/advance", seg(&order)),
                    &body,
                )
                .await?;
            data.order
        }
        OrdersCommand::Driver { order, name } => {
            let body = match name {
                Some(n) => json!({ "name": n }),
                None => json!({}),
            };
            let data: OrderData = ctx
                .api
                .post(&format!("/sandbox/v1/orders/{}/driver", seg(&order)), &body)
                .await?;
            data.order
        }
        OrdersCommand::Cancel { order, reason } => {
            let body = match reason {
                Some(r) => json!({ "reason": r }),
                None => json!({}),
            };
            let data: OrderData = ctx
                .api
                .post(&format!("/sandbox/v1/orders/{}/cancel", seg(&order)), &body)
                .await?;
            data.order
        }
    };
    ctx.show(&order, print_order);
    Ok(())
}

async fn place(ctx: &Ctx, a: PlaceArgs) -> CliResult<SandboxOrder> {
    let wanted = a
        .items
        .iter()
        .map(|s| parse_item(s))
        .collect::<CliResult<Vec<_>>>()?;
    let catalog: CatalogReadModel = ctx
        .api
        .get(&format!("/sandbox/v1/outlets/{}/catalog", seg(&a.outlet)))
        .await?;
    let mut items = basket(&catalog, &wanted, &a.outlet)?;
    if let Some(n) = &a.notes {
        for i in &mut items {
            i["notes"] = json!(n);
        }
    }
    let mut body = json!({
        "order_type": if a.pickup { "pickup" } else { "delivery" },
        "items": items,
    });
    if let Some(c) = a.customer {
        body["customer"] = json!({ "name": c });
    }
    if a.cutlery {
        body["cutlery_requested"] = json!(true);
    }
    if let Some(t) = a.takeaway_charges {
        body["takeaway_charges"] = json!(t);
    }
    let data: OrderData = ctx
        .api
        .post(
            &format!("/sandbox/v1/outlets/{}/orders", seg(&a.outlet)),
            &body,
        )
        .await?;
    Ok(data.order)
}

/// One `--item ID[:QTY[:VARIANT,...]]`.
#[derive(Debug, PartialEq, Eq)]
struct WantedItem {
    id: String,
    quantity: i64,
    variants: Option<Vec<String>>,
}

fn parse_item(text: &str) -> CliResult<WantedItem> {
    let wrong = |why: &str| {
        CliError::usage(format!(
            "--item {text:?}: {why}; use ID[:QTY[:VARIANT,...]], e.g. --item XID:2:V-XID"
        ))
    };
    let mut parts = text.splitn(3, ':');
    let id = parts.next().unwrap_or("").trim();
    if id.is_empty() {
        return Err(wrong("no item id"));
    }
    let quantity = match parts.next().map(str::trim) {
        None | Some("") => 1,
        Some(q) => q
            .parse::<i64>()
            .map_err(|_| wrong("the quantity is not a whole number"))?,
    };
    let variants = parts.next().map(|v| {
        v.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    });
    Ok(WantedItem {
        id: id.to_string(),
        quantity,
        variants,
    })
}

/// The request's `items`: the wanted ones (required variants picked from the menu when none
/// are named), or, with none wanted, up to two in-stock items of the menu.
fn basket(
    catalog: &CatalogReadModel,
    wanted: &[WantedItem],
    outlet: &str,
) -> CliResult<Vec<Value>> {
    let all: Vec<_> = catalog.menus.iter().flat_map(|m| &m.menu_items).collect();
    if wanted.is_empty() {
        return menu_basket(catalog, outlet, ", or name items with --item");
    }
    Ok(wanted
        .iter()
        .map(|w| {
            let found = all
                .iter()
                .find(|i| i.external_id == w.id)
                .or_else(|| all.iter().find(|i| i.id == w.id));
            let mut item = match found {
                Some(i) => json!({ "external_id": i.external_id }),
                // Not on the menu: the server says so in its own words.
                None => json!({ "external_id": w.id }),
            };
            item["quantity"] = json!(w.quantity);
            item["variants"] = match (&w.variants, found) {
                (Some(vs), _) => Value::Array(
                    vs.iter()
                        .map(|v| variant_ref(catalog, v))
                        .collect::<Vec<_>>(),
                ),
                (None, Some(i)) => required_variants(catalog, &i.variant_category_ids),
                (None, None) => json!([]),
            };
            item
        })
        .collect())
}

/// Up to two in-stock items of the menu, each with the fewest variants it requires (the
/// basket `orders place` and `gobiz trigger` order when no item is named); `hint` ends the
/// error of a menu with nothing in stock.
pub(crate) fn menu_basket(
    catalog: &CatalogReadModel,
    outlet: &str,
    hint: &str,
) -> CliResult<Vec<Value>> {
    let chosen: Vec<Value> = catalog
        .menus
        .iter()
        .flat_map(|m| &m.menu_items)
        .filter(|i| i.in_stock)
        .take(2)
        .map(|i| {
            json!({
                "external_id": i.external_id,
                "quantity": 1,
                "variants": required_variants(catalog, &i.variant_category_ids),
            })
        })
        .collect();
    if chosen.is_empty() {
        return Err(CliError::new(
            crate::cli::Failure::Refused,
            format!("outlet {outlet} has no menu item in stock to order; push a menu first{hint}"),
        ));
    }
    Ok(chosen)
}

/// The fewest in-stock variants each of the item's categories requires.
fn required_variants(catalog: &CatalogReadModel, category_ids: &[String]) -> Value {
    let mut out = Vec::new();
    for cid in category_ids {
        let Some(cat) = catalog.variant_categories.iter().find(|c| &c.id == cid) else {
            continue;
        };
        let need = usize::try_from(cat.rules.selection.min_quantity).unwrap_or(0);
        out.extend(
            cat.variants
                .iter()
                .filter(|v| v.in_stock)
                .take(need)
                .map(|v| json!({ "external_id": v.external_id })),
        );
    }
    Value::Array(out)
}

/// A named variant by external_id (or by GoBiz id when that is what was typed).
fn variant_ref(catalog: &CatalogReadModel, name: &str) -> Value {
    let by_id = catalog
        .variant_categories
        .iter()
        .flat_map(|c| &c.variants)
        .find(|v| v.id == name && v.external_id != name);
    match by_id {
        Some(v) => json!({ "external_id": v.external_id }),
        None => json!({ "external_id": name }),
    }
}

fn print_order(o: &SandboxOrder) {
    let b = &o.body;
    let mut pairs = vec![
        ("order", b.order.order_number.clone()),
        ("status", b.order.status.as_str().to_string()),
        ("service", b.service_type.clone()),
        ("outlet", b.outlet.id.clone()),
        ("customer", b.customer.name.clone()),
        (
            "driver",
            or_dash(b.driver.as_ref().map(|d| d.name.as_str())),
        ),
        ("total", idr(b.order.order_total)),
        ("pin", b.order.pin.clone()),
        ("created_at", b.order.created_at.clone()),
    ];
    if let Some(d) = &o.acceptance_deadline {
        pairs.push(("acceptance_deadline", d.clone()));
    }
    if let Some(c) = &b.order.cancellation_detail {
        pairs.push(("cancelled", format!("{} ({})", c.reason, c.reason_code)));
    }
    fields(&pairs);
    println!();
    table(
        &["ITEM", "NAME", "QTY", "PRICE", "VARIANTS"],
        b.order
            .order_items
            .iter()
            .map(|i| {
                vec![
                    or_dash(i.external_id.as_deref()),
                    i.name.clone(),
                    i.quantity.to_string(),
                    idr(i.price),
                    i.variants
                        .iter()
                        .map(|v| v.name.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
            })
            .collect(),
    );
    println!();
    table(
        &["AT", "STATUS", "EVENT"],
        o.events
            .iter()
            .map(|e| {
                vec![
                    e.at.clone(),
                    e.status.as_str().to_string(),
                    e.event.to_string(),
                ]
            })
            .collect(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_specs() {
        assert_eq!(
            parse_item("XID").ok(),
            Some(WantedItem {
                id: "XID".into(),
                quantity: 1,
                variants: None
            })
        );
        assert_eq!(
            parse_item("XID:3:V-XID,V-XID-2").ok(),
            Some(WantedItem {
                id: "XID".into(),
                quantity: 3,
                variants: Some(vec!["V-XID".into(), "V-XID-2".into()])
            })
        );
        assert!(parse_item(":2").is_err());
        assert!(parse_item("XID:two").is_err());
    }
}
