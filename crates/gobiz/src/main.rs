//! `gobiz`: serve the GoBiz-compatible API, or migrate its database.

mod cli;
mod config;
mod logging;
mod serve;

use clap::Parser;
use config::{Cli, Command};
use std::process::ExitCode;

/// mimalloc instead of glibc's allocator: under load glibc's `malloc`/`free` (with
/// `malloc_consolidate`) took about 18 % of the CPU of a small authenticated read (issue 20;
/// see docs/decisions.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let common = match &cli.command {
        Command::Serve(a) | Command::Worker(a) => &a.common,
        Command::Migrate(c) => c,
        Command::Openapi(a) => return print_openapi(a),
        Command::Listen(_)
        | Command::Trigger(_)
        | Command::Sandbox(_)
        | Command::Completions(_) => return client_command(cli.command).await,
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
        _ => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gobiz: {}", serve::error_text(&e));
            ExitCode::FAILURE
        }
    }
}

/// The client commands: they talk to a running server and log nothing of their own.
async fn client_command(command: Command) -> ExitCode {
    let result = match command {
        Command::Listen(a) => cli::listen::run(a).await,
        Command::Trigger(a) => cli::trigger::run(a).await,
        Command::Sandbox(a) => cli::sandbox::run(a).await,
        Command::Completions(a) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(a.shell, &mut cmd, "gobiz", &mut std::io::stdout());
            Ok(())
        }
        _ => Ok(()),
    };
    cli::finish(result)
}

/// `gobiz openapi`: the document `GET /openapi.json` serves (sandbox routes included).
fn print_openapi(args: &config::OpenapiArgs) -> ExitCode {
    let doc = gobiz_http::openapi::document(true, &args.public_base_url);
    let text = match args.format {
        config::OpenapiFormat::Json => serde_json::to_string_pretty(&doc).unwrap_or_default(),
        config::OpenapiFormat::Yaml => gobiz_http::openapi::to_yaml(&doc),
    };
    if text.is_empty() {
        eprintln!("gobiz: the OpenAPI document could not be rendered");
        return ExitCode::FAILURE;
    }
    println!("{}", text.trim_end());
    ExitCode::SUCCESS
}
