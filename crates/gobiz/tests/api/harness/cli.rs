//! Runs the real `gobiz` binary's client commands (`sandbox`, `trigger`, `listen`) against a
//! test server, as a user's shell would.

use super::{gobiz_bin, TestApp, ADMIN_TOKEN};
use serde_json::Value;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

/// What one CLI run printed and how it ended.
#[derive(Debug)]
pub struct CliRun {
    /// Exit code (`-1` when killed by a signal).
    pub code: i32,
    /// Everything on stdout.
    pub stdout: String,
    /// Everything on stderr.
    pub stderr: String,
}

impl CliRun {
    /// Stdout parsed as JSON; panics with the run when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }

    /// Panics with the run unless it exited 0.
    pub fn ok(self) -> CliRun {
        assert_eq!(self.code, 0, "CLI failed: {self:#?}");
        self
    }
}

/// A `gobiz` command with `args`, pointed at nothing: no server or token from this process's
/// environment.
pub fn cli_command(args: &[&str]) -> Command {
    let mut cmd = Command::new(gobiz_bin());
    cmd.args(args)
        .env_remove("GOBIZ_ADMIN_TOKEN")
        .env_remove("GOBIZ_SERVER")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Runs `gobiz <args>` to its end (at most 120 s) with the server and admin token of `app`.
pub async fn cli(app: &TestApp, args: &[&str]) -> CliRun {
    let mut cmd = cli_command(args);
    cmd.env("GOBIZ_SERVER", &app.base)
        .env("GOBIZ_ADMIN_TOKEN", ADMIN_TOKEN);
    run(cmd).await
}

/// Runs `gobiz <args>` with nothing set (for wrong-server and wrong-token tests).
pub async fn cli_bare(args: &[&str]) -> CliRun {
    run(cli_command(args)).await
}

async fn run(mut cmd: Command) -> CliRun {
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("the CLI finished within 120 s")
        .expect("the CLI ran");
    CliRun {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Starts a long-running `gobiz <args>` (e.g. `listen`) against `app`; the caller reads its
/// output and kills it.
pub fn cli_spawn(app: &TestApp, args: &[&str]) -> Child {
    let mut cmd = cli_command(args);
    cmd.env("GOBIZ_SERVER", &app.base)
        .env("GOBIZ_ADMIN_TOKEN", ADMIN_TOKEN);
    cmd.spawn().expect("spawn the CLI")
}
