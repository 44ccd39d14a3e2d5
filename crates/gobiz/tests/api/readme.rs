//! The README's shell walk-through runs as written (issue 14): every ```sh block of README.md
//! and then of docs/sandbox.md, but the ones that run cargo, is pasted, in order, into one
//! bash session against a fresh `gobiz serve --demo`, with `set -euo pipefail`. A call the README expects to succeed uses
//! `curl --fail-with-body`, so an endpoint, body or field that drifts fails this test.

use crate::harness::spawn_serve;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;

const DOCS: [&str; 2] = [
    include_str!("../../../../README.md"),
    include_str!("../../../../docs/sandbox.md"),
];

/// The runnable shell blocks of the README and the sandbox guide, in order.
fn shell_blocks() -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in DOCS.iter().flat_map(|d| d.lines()) {
        match current.as_mut() {
            None if line.trim_end() == "```sh" => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_end() == "```" => {
                let block = current.take().unwrap_or_default();
                if !block.contains("cargo ") {
                    blocks.push(block);
                }
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    blocks
}

async fn readme_walk_through_runs(db_url: String) {
    for tool in ["bash", "curl", "jq", "openssl"] {
        let found = std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(
            found,
            "the README walk-through needs `{tool}` (.ci/run installs it)"
        );
    }
    let blocks = shell_blocks();
    assert!(blocks.len() >= 9, "shell blocks: {}", blocks.len());
    // `gobiz serve --demo`, as the README starts it (no admin token given).
    let (mut server, base, _) = spawn_serve(&["--demo", "--database-url", &db_url], &[]).await;
    let mut script = String::from("set -euo pipefail\n");
    for (i, block) in blocks.iter().enumerate() {
        script.push_str(&format!("echo '>>> shell block {}'\n{block}\n", i + 1));
    }
    let out = tokio::time::timeout(
        Duration::from_secs(120),
        Command::new("bash")
            .args(["-c", &script])
            .env("BASE", &base)
            .stdin(Stdio::null())
            .output(),
    )
    .await
    .expect("the walk-through did not finish within 120 s")
    .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let _ = server.kill().await;
    assert!(
        out.status.success(),
        "the README walk-through failed ({}):\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        out.status
    );
    // The blocks' own checks: the signature matched and the moved clock expired the token.
    assert!(stdout.contains("signature verified: "), "{stdout}");
    assert!(stdout.lines().any(|l| l.trim() == "401"), "{stdout}");
    // docs/sandbox.md: the new partner's token sees the outlet it was linked to.
    assert!(
        stdout.contains("\"external_outlet_id\":\"BUDI-01\""),
        "{stdout}"
    );
}

both_dbs!(readme_walk_through_runs);
