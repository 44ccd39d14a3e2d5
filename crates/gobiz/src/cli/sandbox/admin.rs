//! `gobiz sandbox clock|outlets|partners|otp|reset`: the sandbox's fixtures and controls.

use super::duration::{human, parse_seconds};
use super::{seg, Ctx, DEMO_OUTLET};
use crate::cli::output::{fields, table};
use crate::cli::{CliError, CliResult, Failure};
use clap::{Args, Subcommand, ValueEnum};
use gobiz_http::views::{Clock, LinkView, OutletFull, PartnerView};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::io::IsTerminal;

/// The demo owner's phone (`gobiz serve --demo`), who may link the demo outlet.
const DEMO_PHONE: &str = "+6281234567890";

// ---- clock ----

/// `gobiz sandbox clock` options.
#[derive(Debug, Args)]
pub struct ClockArgs {
    /// What to do (default: show).
    #[command(subcommand)]
    pub command: Option<ClockCommand>,
}

/// The clock subcommands.
#[derive(Debug, Subcommand)]
pub enum ClockCommand {
    /// Show the sandbox clock and its offset from real time.
    ///
    /// Example: gobiz sandbox clock show
    Show,
    /// Move the clock forward; acceptance timeouts, payment expiry, promotion status and due
    /// webhook retries run before it answers. The clock never moves back (reset does).
    ///
    /// Example: gobiz sandbox clock advance 1h30m
    Advance {
        /// How far: 90s, 3m, 1h, 2d, 1h30m, or plain seconds
        #[arg(value_parser = parse_seconds, value_name = "DURATION")]
        by: i64,
    },
}

#[derive(Deserialize)]
struct ClockData {
    clock: Clock,
}

/// `gobiz sandbox clock [show|advance D]`.
pub async fn clock(ctx: &Ctx, args: ClockArgs) -> CliResult {
    let data: ClockData = match args.command {
        None | Some(ClockCommand::Show) => ctx.api.get("/sandbox/v1/clock").await?,
        Some(ClockCommand::Advance { by }) => {
            ctx.api
                .post("/sandbox/v1/clock/advance", &json!({ "seconds": by }))
                .await?
        }
    };
    ctx.show(&data.clock, |c| {
        let offset = if c.offset_seconds == 0 {
            "0 (real time)".to_string()
        } else {
            format!("+{} ({} s)", human(c.offset_seconds), c.offset_seconds)
        };
        fields(&[("now", c.now.clone()), ("offset", offset)]);
    });
    Ok(())
}

// ---- outlets ----

/// The outlet subcommands.
#[derive(Debug, Subcommand)]
pub enum OutletsCommand {
    /// List every outlet.
    ///
    /// Example: gobiz sandbox outlets list
    List,
    /// Create an outlet of a merchant (default: the demo outlet's merchant).
    ///
    /// Example: gobiz sandbox outlets create --name "Kopi Senja Menteng" --acceptance-mode manual
    Create(CreateOutletArgs),
    /// Link an outlet to a facilitator partner for a product, as the merchant's user would.
    ///
    /// Example: gobiz sandbox outlets link --partner 7d9e4c1a-... --product payment --external-id my-outlet-1
    Link(LinkArgs),
}

/// `gobiz sandbox outlets create` options.
#[derive(Debug, Args)]
pub struct CreateOutletArgs {
    /// The outlet's name
    #[arg(long)]
    pub name: String,
    /// The merchant that owns it [default: the merchant of the demo outlet G000012345]
    #[arg(long, value_name = "MERCHANT_ID")]
    pub merchant: Option<String>,
    /// The outlet id, G and 9 digits [default: a random free one]
    #[arg(long, value_name = "OUTLET_ID")]
    pub id: Option<String>,
    /// Street address
    #[arg(long)]
    pub address: Option<String>,
    /// Contact e-mail
    #[arg(long)]
    pub email: Option<String>,
    /// How new GoFood orders are accepted
    #[arg(long, value_enum)]
    pub acceptance_mode: Option<AcceptanceMode>,
}

/// How an outlet accepts GoFood orders.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AcceptanceMode {
    /// Every order is accepted at once.
    AutoAccept,
    /// Accepted when the acceptance timer fires.
    AutoAcceptOnTimeout,
    /// The merchant (or the partner) accepts or rejects.
    Manual,
}

impl AcceptanceMode {
    fn as_str(self) -> &'static str {
        match self {
            AcceptanceMode::AutoAccept => "auto_accept",
            AcceptanceMode::AutoAcceptOnTimeout => "auto_accept_on_timeout",
            AcceptanceMode::Manual => "manual",
        }
    }
}

/// `gobiz sandbox outlets link` options.
#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The outlet
    #[arg(long, default_value = DEMO_OUTLET, value_name = "OUTLET_ID")]
    pub outlet: String,
    /// The facilitator partner to link it to (`gobiz sandbox partners list`)
    #[arg(long, value_name = "PARTNER_ID")]
    pub partner: String,
    /// The product the link is for
    #[arg(long, value_enum, default_value = "gofood")]
    pub product: Product,
    /// The partner's own id for the outlet [default: the outlet id]
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// The merchant user who links it (owner, admin or manager of the outlet's merchant)
    #[arg(long, default_value = DEMO_PHONE)]
    pub phone: String,
}

/// A product an outlet is linked for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Product {
    /// GoFood orders, menu and promotions.
    Gofood,
    /// QRIS payments.
    Payment,
}

impl Product {
    fn as_str(self) -> &'static str {
        match self {
            Product::Gofood => "gofood",
            Product::Payment => "payment",
        }
    }
}

#[derive(Deserialize)]
struct OutletsData {
    outlets: Vec<OutletFull>,
}

#[derive(Deserialize)]
struct OutletData {
    outlet: OutletFull,
}

#[derive(Deserialize)]
struct LinkData {
    outlet: LinkView,
}

/// What `outlets link` prints: the link as spec §3.5 answers it, with what it links to.
#[derive(Serialize)]
struct LinkOutput<'a> {
    outlet: &'a LinkView,
    partner_id: &'a str,
    product: &'a str,
}

/// `gobiz sandbox outlets …`.
pub async fn outlets(ctx: &Ctx, command: OutletsCommand) -> CliResult {
    match command {
        OutletsCommand::List => {
            let data: OutletsData = ctx.api.get("/sandbox/v1/outlets").await?;
            ctx.show(&data.outlets, |outlets| {
                let rows = outlets
                    .iter()
                    .map(|o| {
                        vec![
                            o.id.clone(),
                            o.name.clone(),
                            o.merchant_name.clone(),
                            o.status.clone(),
                            o.acceptance_mode.clone(),
                            if o.force_close { "closed" } else { "open" }.into(),
                            if o.payment_settings.qris.active {
                                "on"
                            } else {
                                "off"
                            }
                            .into(),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "ID",
                        "NAME",
                        "MERCHANT",
                        "STATUS",
                        "ACCEPTANCE",
                        "GOFOOD",
                        "QRIS",
                    ],
                    rows,
                );
            });
            Ok(())
        }
        OutletsCommand::Create(a) => {
            let merchant = match a.merchant {
                Some(m) => m,
                None => demo_merchant(ctx).await?,
            };
            let mut body = serde_json::Map::new();
            body.insert("name".into(), json!(a.name));
            for (k, v) in [("id", a.id), ("address", a.address), ("email", a.email)] {
                if let Some(v) = v {
                    body.insert(k.into(), json!(v));
                }
            }
            if let Some(m) = a.acceptance_mode {
                body.insert("acceptance_mode".into(), json!(m.as_str()));
            }
            let data: OutletData = ctx
                .api
                .post(
                    &format!("/sandbox/v1/merchants/{}/outlets", seg(&merchant)),
                    &body,
                )
                .await?;
            ctx.show(&data.outlet, print_outlet);
            Ok(())
        }
        OutletsCommand::Link(a) => {
            let external = a.external_id.unwrap_or_else(|| a.outlet.clone());
            let data: LinkData = ctx
                .api
                .post(
                    "/sandbox/v1/links",
                    &json!({
                        "phone": a.phone,
                        "partner_id": a.partner,
                        "outlet_id": a.outlet,
                        "product": a.product.as_str(),
                        "external_outlet_id": external,
                    }),
                )
                .await?;
            let out = LinkOutput {
                outlet: &data.outlet,
                partner_id: &a.partner,
                product: a.product.as_str(),
            };
            ctx.show(&out, |l| {
                println!(
                    "Linked outlet {} to partner {} for {}.",
                    l.outlet.id, l.partner_id, l.product
                );
                fields(&[
                    ("external_outlet_id", l.outlet.external_outlet_id.clone()),
                    ("linked_at", l.outlet.linked_at.clone()),
                ]);
            });
            Ok(())
        }
    }
}

/// The merchant of the demo outlet, or how to name one.
async fn demo_merchant(ctx: &Ctx) -> CliResult<String> {
    let path = format!("/sandbox/v1/outlets/{DEMO_OUTLET}");
    match ctx.api.get::<OutletData>(&path).await {
        Ok(d) => Ok(d.outlet.merchant_id),
        Err(e) if e.kind == Failure::NotFound => Err(CliError::usage(format!(
            "no --merchant given and the demo outlet {DEMO_OUTLET} does not exist to take its merchant from; pass --merchant MERCHANT_ID (`gobiz sandbox outlets list --json` shows merchant ids)"
        ))),
        Err(e) => Err(e),
    }
}

fn print_outlet(o: &OutletFull) {
    fields(&[
        ("id", o.id.clone()),
        ("name", o.name.clone()),
        (
            "merchant",
            format!("{} ({})", o.merchant_name, o.merchant_id),
        ),
        ("address", o.address.clone()),
        ("email", o.email.clone()),
        ("status", o.status.clone()),
        ("acceptance_mode", o.acceptance_mode.clone()),
        ("force_close", o.force_close.to_string()),
        ("qris", o.payment_settings.qris.active.to_string()),
        ("created_at", o.created_at.clone()),
    ]);
}

// ---- partners ----

/// The partner subcommands.
#[derive(Debug, Subcommand)]
pub enum PartnersCommand {
    /// List every partner (secrets are not shown).
    ///
    /// Example: gobiz sandbox partners list
    List,
    /// Create a partner; its webhook signing secret is shown once.
    ///
    /// Example: gobiz sandbox partners create --name "My POS" --standard-webhooks
    Create(CreatePartnerArgs),
    /// Show a partner's webhook signing secret, or replace it with --rotate.
    ///
    /// Example: gobiz sandbox partners secret 7d9e4c1a-2b3f-4a5e-8c6d-0e1f2a3b4c5d --rotate
    Secret {
        /// The partner (`gobiz sandbox partners list`)
        #[arg(value_name = "PARTNER_ID")]
        partner: String,
        /// Replace the secret with a new one (deliveries from now on are signed with it)
        #[arg(long)]
        rotate: bool,
    },
}

/// `gobiz sandbox partners create` options.
#[derive(Debug, Args)]
pub struct CreatePartnerArgs {
    /// Display name
    #[arg(long)]
    pub name: String,
    /// facilitator (serves many merchants through links) or direct (one merchant's own)
    #[arg(long = "type", value_enum, default_value = "facilitator")]
    pub kind: PartnerKind,
    /// The merchant of a direct partner
    #[arg(long, value_name = "MERCHANT_ID", required_if_eq("kind", "direct"))]
    pub merchant: Option<String>,
    /// Also send the Standard Webhooks headers on deliveries
    #[arg(long)]
    pub standard_webhooks: bool,
    /// A `...:read` scope held for webhook routing (repeatable)
    #[arg(long = "read-scope", value_name = "SCOPE")]
    pub read_scopes: Vec<String>,
}

/// The kinds of partner.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PartnerKind {
    /// A POS or aggregator serving many merchants.
    Facilitator,
    /// One merchant's own integration.
    Direct,
}

#[derive(Deserialize)]
struct PartnerData {
    partner: PartnerView,
}

#[derive(Deserialize)]
struct PartnersData {
    partners: Vec<PartnerView>,
}

/// A partner's notification secret (the answer of
/// `GET /sandbox/v1/partners/{partner_id}/notification-secret`; the server's own view type
/// lives in the routes module and serializes only).
#[derive(Debug, Serialize, Deserialize)]
struct SecretView {
    partner_id: String,
    notification_secret: String,
}

/// `gobiz sandbox partners …`.
pub async fn partners(ctx: &Ctx, command: PartnersCommand) -> CliResult {
    match command {
        PartnersCommand::List => {
            let data: PartnersData = ctx.api.get("/sandbox/v1/partners").await?;
            ctx.show(&data.partners, |ps| {
                let rows = ps
                    .iter()
                    .map(|p| {
                        vec![
                            p.id.clone(),
                            p.name.clone(),
                            p.kind.clone(),
                            super::or_dash(p.merchant_id.as_deref()),
                            if p.standard_webhooks { "yes" } else { "no" }.into(),
                            p.created_at.clone(),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "ID",
                        "NAME",
                        "TYPE",
                        "MERCHANT",
                        "STANDARD WEBHOOKS",
                        "CREATED",
                    ],
                    rows,
                );
            });
            Ok(())
        }
        PartnersCommand::Create(a) => {
            let kind = match a.kind {
                PartnerKind::Facilitator => "facilitator",
                PartnerKind::Direct => "direct",
            };
            let mut body = json!({
                "name": a.name,
                "type": kind,
                "standard_webhooks": a.standard_webhooks,
                "read_scopes": a.read_scopes,
            });
            if let Some(m) = a.merchant {
                body["merchant_id"] = json!(m);
            }
            let data: PartnerData = ctx.api.post("/sandbox/v1/partners", &body).await?;
            ctx.show(&data.partner, |p| {
                fields(&[
                    ("id", p.id.clone()),
                    ("name", p.name.clone()),
                    ("type", p.kind.clone()),
                    ("merchant", super::or_dash(p.merchant_id.as_deref())),
                    ("standard_webhooks", p.standard_webhooks.to_string()),
                    (
                        "notification_secret",
                        super::or_dash(p.notification_secret.as_deref()),
                    ),
                ]);
                println!("Keep the secret: it signs this partner's webhooks (`gobiz sandbox partners secret {}` shows it again).", p.id);
            });
            Ok(())
        }
        PartnersCommand::Secret { partner, rotate } => {
            let path = format!("/sandbox/v1/partners/{}/notification-secret", seg(&partner));
            let secret = if rotate {
                let data: PartnerData = ctx.api.send_json(Method::POST, &path, &json!({})).await?;
                SecretView {
                    partner_id: data.partner.id,
                    notification_secret: data.partner.notification_secret.ok_or_else(|| {
                        CliError::new(
                            Failure::Server,
                            "the server rotated the secret but did not show the new one",
                        )
                    })?,
                }
            } else {
                ctx.api.get(&path).await?
            };
            ctx.show(&secret, |s| {
                if rotate {
                    eprintln!("Rotated: deliveries from now on are signed with the new secret.");
                }
                println!("{}", s.notification_secret);
            });
            Ok(())
        }
    }
}

// ---- otp ----

/// `gobiz sandbox otp` options.
#[derive(Debug, Args)]
pub struct OtpArgs {
    /// The merchant user's phone: 08…, 628… or +628…
    pub phone: String,
}

/// A live login OTP (the answer of `GET /sandbox/v1/otp`; the server's view type lives in
/// the routes module and serializes only).
#[derive(Debug, Serialize, Deserialize)]
struct OtpView {
    phone: String,
    code: String,
    expires_at: String,
    attempts_left: i64,
}

#[derive(Deserialize)]
struct OtpData {
    otp: OtpView,
}

/// `gobiz sandbox otp PHONE`.
pub async fn otp(ctx: &Ctx, args: OtpArgs) -> CliResult {
    let data: OtpData = ctx
        .api
        .get_query("/sandbox/v1/otp", &[("phone", args.phone.clone())])
        .await?;
    ctx.show(&data.otp, |o| {
        println!("{}", o.code);
        eprintln!(
            "(sent to {}, valid until {}, {} tries left)",
            o.phone, o.expires_at, o.attempts_left
        );
    });
    Ok(())
}

// ---- reset ----

/// `gobiz sandbox reset` options.
#[derive(Debug, Args)]
pub struct ResetArgs {
    /// Restore the demo data set afterwards (its fixed ids and secrets)
    #[arg(long)]
    pub demo: bool,
    /// Do not ask for confirmation (asked only when run from a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// What `reset` prints with `--json`.
#[derive(Serialize)]
struct ResetOutput {
    reset: bool,
    demo: bool,
}

/// `gobiz sandbox reset [--demo]`.
pub async fn reset(ctx: &Ctx, args: ResetArgs) -> CliResult {
    if !args.yes && std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        eprint!(
            "This deletes every merchant, outlet, partner, order and payment on {}. Continue? [y/N] ",
            ctx.api.base()
        );
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|e| CliError::usage(format!("cannot read the answer: {e}")))?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Err(CliError::usage("not reset (answer y, or pass --yes)"));
        }
    }
    let _: serde_json::Value = ctx
        .api
        .post("/sandbox/v1/reset", &json!({ "demo": args.demo }))
        .await?;
    let out = ResetOutput {
        reset: true,
        demo: args.demo,
    };
    ctx.show(&out, |o| {
        if o.demo {
            println!(
                "Reset: the demo data is back (outlet {DEMO_OUTLET}, client demo-pos-client)."
            );
        } else {
            println!("Reset: the sandbox is empty and its clock is real time again.");
        }
    });
    Ok(())
}
