//! The integrator's command line: `gobiz listen`, `gobiz trigger`, `gobiz sandbox …` and
//! `gobiz completions`. Each talks to a running server over HTTP, through the same endpoints
//! any client uses (the sandbox admin API, the partner API), never to its database.

pub mod client;
pub mod listen;
pub mod output;
pub mod sandbox;
pub mod trigger;

use clap::Args;
use std::process::ExitCode;

/// Where the server is and how to sign in to its admin API (`/sandbox/v1`).
#[derive(Debug, Args, Clone)]
pub struct ServerArgs {
    /// Base URL of the gobiz server
    #[arg(
        long,
        env = "GOBIZ_SERVER",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub server: String,
    /// The sandbox admin token (`gobiz serve` prints it at start; `demo-admin-token` on a
    /// database first started with --demo)
    #[arg(
        long,
        env = "GOBIZ_ADMIN_TOKEN",
        default_value = "demo-admin-token",
        hide_env_values = true,
        global = true
    )]
    pub admin_token: String,
}

/// What went wrong, in plain words, and the exit code scripts can rely on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// Which kind of failure (the exit code).
    pub kind: Failure,
    /// One line for a person.
    pub message: String,
}

/// The kinds of failure, each with its own exit code (documented in `gobiz --help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// 1: the server answered something the CLI did not expect (or a 5xx).
    Server,
    /// 2: wrong arguments (clap uses 2 too).
    Usage,
    /// 3: the server could not be reached.
    Unreachable,
    /// 4: the admin token (or a client secret) was refused: 401/403.
    Unauthorized,
    /// 5: what was named does not exist: 404.
    NotFound,
    /// 6: the server refused the request as invalid or in the wrong state: 400/409/422.
    Refused,
}

impl Failure {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Failure::Server => 1,
            Failure::Usage => 2,
            Failure::Unreachable => 3,
            Failure::Unauthorized => 4,
            Failure::NotFound => 5,
            Failure::Refused => 6,
        }
    }
}

impl CliError {
    /// A failure of `kind` with `message`.
    pub fn new(kind: Failure, message: impl Into<String>) -> CliError {
        CliError {
            kind,
            message: message.into(),
        }
    }

    /// Wrong arguments that clap could not catch.
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::new(Failure::Usage, message)
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A command's result.
pub type CliResult<T = ()> = Result<T, CliError>;

/// Prints the error on one line (`gobiz: …`) and turns it into the exit code.
pub fn finish(result: CliResult) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gobiz: {}", e.message);
            ExitCode::from(e.kind.code())
        }
    }
}

/// The text appended to `gobiz --help`: the exit codes.
pub const EXIT_CODES: &str = "\
Exit codes of the client commands (listen, trigger, sandbox):
  0  done
  1  the server failed or answered something unexpected
  2  wrong arguments
  3  the server could not be reached (--server, GOBIZ_SERVER)
  4  the admin token was refused (--admin-token, GOBIZ_ADMIN_TOKEN)
  5  what was named does not exist (outlet, order, partner, ...)
  6  the server refused the request (invalid input or wrong state)";
