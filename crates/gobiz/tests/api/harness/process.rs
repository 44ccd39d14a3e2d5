//! Spawning the real `gobiz` binary and waiting for it to be ready (or to refuse to start).

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::client::ADMIN_TOKEN;

/// How long a started `gobiz` may take to say it is ready.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// `gobiz serve` in sandbox mode (unless `env` sets `GOBIZ_MODE`) on `db_url` with the test
/// admin token: the process, its base URL and its stderr lines (see [`spawn_serve`]).
pub async fn spawn_server(
    db_url: &str,
    env: &[(String, String)],
) -> (Child, String, Arc<Mutex<Vec<String>>>) {
    let mut args = vec!["--database-url", db_url, "--admin-token", ADMIN_TOKEN];
    // Sandbox mode unless the test sets `GOBIZ_MODE` (a flag would win over it).
    if !env.iter().any(|(k, _)| k == "GOBIZ_MODE") {
        args.extend(["--mode", "sandbox"]);
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    spawn_serve(&args, &env).await
}

/// Like [`spawn_server`], listening on `listen` (e.g. the address of a server it replaces).
pub async fn spawn_server_at(
    db_url: &str,
    env: &[(String, String)],
    listen: &str,
) -> (Child, String, Arc<Mutex<Vec<String>>>) {
    let mut args = vec![
        "--database-url",
        db_url,
        "--admin-token",
        ADMIN_TOKEN,
        "--listen",
        listen,
    ];
    if !env.iter().any(|(k, _)| k == "GOBIZ_MODE") {
        args.extend(["--mode", "sandbox"]);
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    spawn_serve(&args, &env).await
}

/// The binary under test: `GOBIZ_TEST_BIN` runs the suite against another build (e.g. to show
/// a test failing on the binary from before a fix), else this build's `gobiz`.
pub fn gobiz_bin() -> String {
    std::env::var("GOBIZ_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_gobiz").into())
}

/// `gobiz <args>` with no admin token, config file or mode from this process's environment,
/// `RUST_LOG=warn`, then `env`; stdin closed.
fn gobiz_command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(gobiz_bin());
    cmd.args(args)
        .env_remove("GOBIZ_ADMIN_TOKEN")
        .env_remove("GOBIZ_CONFIG")
        .env_remove("GOBIZ_MODE")
        .env_remove("GOBIZ_LISTEN")
        .env_remove("DATABASE_URL")
        .env_remove("GOBIZ_WEBHOOK_CA_FILE")
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    cmd
}

/// Starts `gobiz <args>` (see [`gobiz_command`]) and waits for a stdout line starting with
/// `ready`; returns the process, the rest of that line and the process's stderr lines (the
/// first 2000, collected as they come). Panics with what it wrote when it exits first or
/// takes longer than [`STARTUP_TIMEOUT`]. Stdout keeps being drained.
pub async fn spawn_gobiz(
    args: &[&str],
    env: &[(&str, &str)],
    ready: &str,
) -> (Child, String, Arc<Mutex<Vec<String>>>) {
    let mut child = gobiz_command(args, env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn gobiz binary");

    let stderr_lines = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().expect("child stderr");
    let sink = stderr_lines.clone();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut v = sink.lock().expect("stderr lock");
            if v.len() < 2000 {
                v.push(line);
            }
        }
    });

    let stdout = child.stdout.take().expect("child stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let found = tokio::time::timeout(STARTUP_TIMEOUT, async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.trim_end().strip_prefix(ready) {
                return Some(rest.to_string());
            }
            seen.push(line);
        }
        None
    })
    .await;
    let rest = match found {
        Ok(Some(rest)) => rest,
        Ok(None) => {
            let status = child.wait().await;
            // Give the stderr drain a moment to catch up.
            tokio::time::sleep(Duration::from_millis(100)).await;
            panic!(
                "gobiz {args:?} exited ({status:?}) before printing `{ready}…`\n\
                 --- stdout ---\n{}\n--- stderr ---\n{}",
                seen.join("\n"),
                stderr_lines.lock().expect("stderr lock").join("\n")
            );
        }
        Err(_) => panic!(
            "gobiz {args:?} did not print `{ready}…` within {STARTUP_TIMEOUT:?}\n\
             --- stdout ---\n{}\n--- stderr ---\n{}",
            seen.join("\n"),
            stderr_lines.lock().expect("stderr lock").join("\n")
        ),
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, rest, stderr_lines)
}

/// `gobiz serve --listen 127.0.0.1:0 <args>` (see [`spawn_gobiz`]): the process, its base URL
/// (`http://…`) and its stderr lines.
pub async fn spawn_serve(
    args: &[&str],
    env: &[(&str, &str)],
) -> (Child, String, Arc<Mutex<Vec<String>>>) {
    let args: Vec<&str> = ["serve", "--listen", "127.0.0.1:0"]
        .into_iter()
        .chain(args.iter().copied())
        .collect();
    let (child, addr, stderr) = spawn_gobiz(&args, env, "gobiz listening on http://").await;
    (child, format!("http://{addr}"), stderr)
}

/// Runs `gobiz serve <args>` (see [`gobiz_command`]) and waits for it to exit; it must fail
/// within 30 s. Returns its output, its stderr and how long it ran.
pub async fn serve_refused(
    args: &[&str],
    env: &[(&str, &str)],
) -> (std::process::Output, String, Duration) {
    let started = std::time::Instant::now();
    let out = gobiz_command(&["serve"], env).args(args).output();
    let out = tokio::time::timeout(Duration::from_secs(30), out)
        .await
        .expect("a refused start exits")
        .unwrap();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        !out.status.success(),
        "must not start with {args:?}; stdout: {}; stderr: {stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    (out, stderr, elapsed)
}
