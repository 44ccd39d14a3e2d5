//! `gobiz`: serve the GoBiz-compatible API, or migrate its database.

mod config;
mod logging;
mod serve;

use clap::Parser;
use config::{Cli, Command};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let common = match &cli.command {
        Command::Serve(a) | Command::Worker(a) => &a.common,
        Command::Migrate(c) => c,
    };
    match config::log_format(common) {
        Ok(format) => logging::init(format),
        Err(e) => {
            eprintln!("gobiz: {e:#}");
            return ExitCode::FAILURE;
        }
    }
    let result = match cli.command {
        Command::Serve(args) => serve::serve(args).await,
        Command::Migrate(args) => serve::migrate(args).await,
        Command::Worker(args) => serve::worker(args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gobiz: {}", serve::error_text(&e));
            ExitCode::FAILURE
        }
    }
}
