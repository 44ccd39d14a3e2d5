//! `gobiz sandbox payments …`: QRIS test payments and the payer simulator.

use super::{idr, or_dash, seg, Ctx, DEMO_OUTLET};
use crate::cli::output::{fields, table};
use crate::cli::{CliError, CliResult};
use clap::{Args, Subcommand};
use gobiz_domain::payment::PaymentStatus;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The payment subcommands.
#[derive(Debug, Subcommand)]
pub enum PaymentsCommand {
    /// Create a pending QRIS transaction at an outlet, as the partner linked for payment would.
    ///
    /// Example: gobiz sandbox payments create --outlet G000012345 --amount 25000
    Create {
        /// The outlet
        #[arg(long, default_value = DEMO_OUTLET, value_name = "OUTLET_ID")]
        outlet: String,
        /// The amount, IDR
        #[arg(long, default_value_t = 25_000, value_name = "IDR")]
        amount: i64,
    },
    /// Pay a pending transaction as a wallet (by id, or by its scanned QRIS payload).
    ///
    /// Example: gobiz sandbox payments pay 5b0c7e7e-2f4a-4d38-9d1e-3a1b2c3d4e5f
    Pay(PayArgs),
    /// Expire a pending transaction now.
    ///
    /// Example: gobiz sandbox payments expire 5b0c7e7e-2f4a-4d38-9d1e-3a1b2c3d4e5f
    Expire {
        /// The transaction id
        transaction: String,
    },
    /// Cancel a pending transaction.
    ///
    /// Example: gobiz sandbox payments cancel 5b0c7e7e-2f4a-4d38-9d1e-3a1b2c3d4e5f
    Cancel {
        /// The transaction id
        transaction: String,
    },
    /// List an outlet's QRIS transactions, newest first.
    ///
    /// Example: gobiz sandbox payments list --outlet G000012345
    List {
        /// The outlet
        #[arg(long, default_value = DEMO_OUTLET, value_name = "OUTLET_ID")]
        outlet: String,
        /// Page, from 1
        #[arg(long, default_value_t = 1)]
        page: u64,
        /// Transactions per page, 1 to 100
        #[arg(long, default_value_t = 20)]
        per_page: u64,
    },
}

/// `gobiz sandbox payments pay` options.
#[derive(Debug, Args)]
pub struct PayArgs {
    /// The transaction id
    #[arg(required_unless_present = "qris", conflicts_with = "qris")]
    pub transaction: Option<String>,
    /// The scanned QRIS payload instead of the id
    #[arg(long, value_name = "PAYLOAD")]
    pub qris: Option<String>,
}

/// A QRIS transaction as the sandbox shows it (spec §7.1 plus, in listings, `partner_id` and
/// `expires_at`). The server's `TransactionData` holds `&'static str` fields and serializes
/// only, so the client reads this mirror of it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Transaction {
    /// The QR image link.
    pub actions: Vec<Action>,
    /// The outlet.
    pub outlet: TxOutlet,
    /// The transaction.
    pub transaction: TxInfo,
    /// The partner that created it (listings and creation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<String>,
    /// When it expires if still pending (listings and creation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// `actions[]` of a transaction.
#[derive(Debug, Serialize, Deserialize)]
pub struct Action {
    /// `GET`.
    pub method: String,
    /// `generate-qr-code`.
    pub name: String,
    /// The QR image.
    pub url: String,
}

/// `outlet` of a transaction.
#[derive(Debug, Serialize, Deserialize)]
pub struct TxOutlet {
    /// Outlet id.
    pub id: String,
    /// Point-of-payment id.
    pub pop_id: String,
}

/// `transaction` of a transaction.
#[derive(Debug, Serialize, Deserialize)]
pub struct TxInfo {
    /// Creation (UTC).
    pub created_at: String,
    /// `IDR`.
    pub currency: String,
    /// IDR.
    pub gross_amount: i64,
    /// Transaction id.
    pub id: String,
    /// The partner's order id.
    pub order_id: String,
    /// `qris`.
    pub payment_type: String,
    /// The QRIS payload.
    pub qris_string: String,
    /// When paid.
    pub settlement_at: Option<String>,
    /// `pending`, `settlement`, `expire` or `cancel`.
    pub status: PaymentStatus,
}

#[derive(Deserialize)]
struct Created {
    transaction: Transaction,
}

#[derive(Deserialize)]
struct Listing {
    transactions: Vec<Transaction>,
}

/// `gobiz sandbox payments …`.
pub async fn run(ctx: &Ctx, command: PaymentsCommand) -> CliResult {
    let t: Transaction = match command {
        PaymentsCommand::Create { outlet, amount } => {
            let c: Created = ctx
                .api
                .post(
                    &format!("/sandbox/v1/outlets/{}/transactions", seg(&outlet)),
                    &json!({ "gross_amount": amount }),
                )
                .await?;
            c.transaction
        }
        PaymentsCommand::Pay(a) => {
            let body = match (a.transaction, a.qris) {
                (Some(id), _) => json!({ "transaction_id": id }),
                (None, Some(q)) => json!({ "qris_string": q }),
                (None, None) => {
                    return Err(CliError::usage(
                        "name the transaction: its id, or --qris PAYLOAD",
                    ))
                }
            };
            ctx.api.post("/sandbox/v1/payments/pay", &body).await?
        }
        PaymentsCommand::Expire { transaction } => {
            ctx.api
                .post(
                    &format!("/sandbox/v1/transactions/{}/expire", seg(&transaction)),
                    &json!({}),
                )
                .await?
        }
        PaymentsCommand::Cancel { transaction } => {
            ctx.api
                .post(
                    &format!("/sandbox/v1/transactions/{}/cancel", seg(&transaction)),
                    &json!({}),
                )
                .await?
        }
        PaymentsCommand::List {
            outlet,
            page,
            per_page,
        } => {
            let l: Listing = ctx
                .api
                .get_query(
                    &format!("/sandbox/v1/outlets/{}/transactions", seg(&outlet)),
                    &[
                        ("page", page.to_string()),
                        ("per_page", per_page.to_string()),
                    ],
                )
                .await?;
            ctx.show(&l.transactions, |ts| {
                let rows = ts
                    .iter()
                    .map(|t| {
                        let i = &t.transaction;
                        vec![
                            i.id.clone(),
                            i.status.as_str().to_string(),
                            idr(i.gross_amount),
                            i.order_id.clone(),
                            i.created_at.clone(),
                            or_dash(i.settlement_at.as_deref()),
                        ]
                    })
                    .collect();
                table(
                    &["ID", "STATUS", "AMOUNT", "ORDER ID", "CREATED", "SETTLED"],
                    rows,
                );
            });
            return Ok(());
        }
    };
    ctx.show(&t, print_transaction);
    Ok(())
}

fn print_transaction(t: &Transaction) {
    let i = &t.transaction;
    let mut pairs = vec![
        ("id", i.id.clone()),
        ("status", i.status.as_str().to_string()),
        ("amount", idr(i.gross_amount)),
        ("outlet", t.outlet.id.clone()),
        ("order_id", i.order_id.clone()),
        ("created_at", i.created_at.clone()),
        ("settlement_at", or_dash(i.settlement_at.as_deref())),
    ];
    if let Some(e) = &t.expires_at {
        if i.status == PaymentStatus::Pending {
            pairs.push(("expires_at", e.clone()));
        }
    }
    if let Some(a) = t.actions.first() {
        pairs.push(("qr_image", a.url.clone()));
    }
    pairs.push(("qris_string", i.qris_string.clone()));
    fields(&pairs);
    if i.status == PaymentStatus::Pending {
        println!();
        println!("Pay it: gobiz sandbox payments pay {}", i.id);
    }
}
