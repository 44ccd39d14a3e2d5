//! `gobiz sandbox …`: drive the sandbox from a shell (orders, clock, payments, outlets,
//! partners, OTPs, reset, MokaPOS), through the admin API.

use super::{CliResult, ServerArgs};
use clap::{Args, Subcommand};

/// `gobiz sandbox` options.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Server and admin token.
    #[command(flatten)]
    pub server: ServerArgs,
    /// Print JSON instead of tables (for scripts)
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: SandboxCommand,
}

/// The sandbox subcommands.
#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Show the sandbox clock.
    ///
    /// Example: gobiz sandbox clock
    Clock,
}

/// Runs a sandbox subcommand.
pub async fn run(args: SandboxArgs) -> CliResult {
    let api = super::client::Api::new(&args.server)?;
    match args.command {
        SandboxCommand::Clock => {
            let v: serde_json::Value = api.get("/sandbox/v1/clock").await?;
            super::output::json(&v);
            Ok(())
        }
    }
}
