//! `gobiz sandbox …`: drive the sandbox from a shell (orders, clock, payments, outlets,
//! partners, OTPs, reset, MokaPOS), through the admin API (`/sandbox/v1`), the same endpoints
//! any client uses. Every subcommand prints a table or fields for people and, with `--json`,
//! the typed data for scripts.

mod admin;
mod chaos;
mod duration;
mod moka;
pub(crate) mod orders;
mod payments;
mod scenario;

use super::client::Api;
use super::{CliResult, ServerArgs};
use clap::{Args, Subcommand};
use serde::Serialize;

/// The demo outlet of `gobiz serve --demo`, the default of every `--outlet`.
pub const DEMO_OUTLET: &str = "G000012345";

/// `gobiz sandbox` options.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Server and admin token.
    #[command(flatten)]
    pub server: ServerArgs,
    /// Print the data as JSON instead of tables (for scripts)
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: SandboxCommand,
}

/// The sandbox subcommands.
#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// GoFood orders: place one as a customer, list, show, move on, cancel.
    ///
    /// Example: gobiz sandbox orders place --outlet G000012345
    #[command(subcommand)]
    Orders(orders::OrdersCommand),
    /// The sandbox clock: show it, or move it forward (due timers run at once).
    ///
    /// Example: gobiz sandbox clock advance 3m
    Clock(admin::ClockArgs),
    /// QRIS transactions: create a test payment, pay it as a wallet, expire it, list them.
    ///
    /// Example: gobiz sandbox payments create --amount 25000
    #[command(subcommand)]
    Payments(payments::PaymentsCommand),
    /// Outlets: list, create, link to a partner.
    ///
    /// Example: gobiz sandbox outlets list
    #[command(subcommand)]
    Outlets(admin::OutletsCommand),
    /// Partners: create one, show or rotate its webhook signing secret.
    ///
    /// Example: gobiz sandbox partners create --name "My POS"
    #[command(subcommand)]
    Partners(admin::PartnersCommand),
    /// The live login OTP sent to a merchant user's phone.
    ///
    /// Example: gobiz sandbox otp +6281234567890
    Otp(admin::OtpArgs),
    /// Delete every merchant, outlet, partner, order, ... (--demo: restore the demo data).
    ///
    /// Example: gobiz sandbox reset --demo
    Reset(admin::ResetArgs),
    /// MokaPOS: generate random but reproducible sales at an outlet.
    ///
    /// Example: gobiz sandbox moka generate --count 500
    #[command(subcommand)]
    Moka(moka::MokaCommand),
    /// Delivery chaos of a partner: duplicates, reordering, delays, simulated failures.
    ///
    /// Example: gobiz sandbox chaos set --duplicate 0.2 --reorder-window 5s --seed 42
    #[command(subcommand)]
    Chaos(chaos::ChaosCommand),
    /// Traffic scenarios: a lunch rush (or a custom curve) of orders, cancellations, timeouts
    /// and payments, followed to a summary of what the partner's webhooks went through.
    ///
    /// Example: gobiz sandbox scenario run --duration 30m --peak 40 --seed 42
    #[command(subcommand)]
    Scenario(scenario::ScenarioCommand),
}

/// What every subcommand needs: the client and how to print.
pub(crate) struct Ctx {
    /// The server.
    pub api: Api,
    /// `--json`.
    pub json: bool,
}

impl Ctx {
    /// Prints `value` as JSON with `--json`, else runs `human`.
    pub fn show<T: Serialize + ?Sized>(&self, value: &T, human: impl FnOnce(&T)) {
        if self.json {
            super::output::json(value);
        } else {
            human(value);
        }
    }
}

/// Runs a sandbox subcommand.
pub async fn run(args: SandboxArgs) -> CliResult {
    let ctx = Ctx {
        api: Api::new(&args.server)?,
        json: args.json,
    };
    match args.command {
        SandboxCommand::Orders(c) => orders::run(&ctx, c).await,
        SandboxCommand::Clock(a) => admin::clock(&ctx, a).await,
        SandboxCommand::Payments(c) => payments::run(&ctx, c).await,
        SandboxCommand::Outlets(c) => admin::outlets(&ctx, c).await,
        SandboxCommand::Partners(c) => admin::partners(&ctx, c).await,
        SandboxCommand::Otp(a) => admin::otp(&ctx, a).await,
        SandboxCommand::Reset(a) => admin::reset(&ctx, a).await,
        SandboxCommand::Moka(c) => moka::run(&ctx, c).await,
        SandboxCommand::Chaos(c) => chaos::run(&ctx, c).await,
        SandboxCommand::Scenario(c) => scenario::run(&ctx, c).await,
    }
}

/// `path` with one segment percent-encoded (ids typed by a person may hold anything).
pub(crate) fn seg(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// `Some(text)` or `-`.
pub(crate) fn or_dash(v: Option<&str>) -> String {
    v.filter(|s| !s.is_empty()).unwrap_or("-").to_string()
}

/// An IDR amount with thousands separators: `Rp 18.000`.
pub(crate) fn idr(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    let sign = if amount < 0 { "-" } else { "" };
    format!("Rp {sign}{out}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idr_groups_thousands() {
        assert_eq!(idr(0), "Rp 0");
        assert_eq!(idr(999), "Rp 999");
        assert_eq!(idr(18000), "Rp 18.000");
        assert_eq!(idr(1234567), "Rp 1.234.567");
        assert_eq!(idr(-5000), "Rp -5.000");
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(seg("F-123"), "F-123");
        assert_eq!(seg("a/b c"), "a%2Fb%20c");
    }
}
