//! Start-up: what `gobiz serve` says when it cannot start (each case runs the binary), the
//! production admin-token rule, and `serve --demo --reset`.

use crate::harness::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

const KEY: &str = "startup-test-secret-key-0123456789abcdef";

/// A fresh folder under the temp dir (not created).
fn temp_path(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "gobiz-startup-{tag}-{}",
        uuid::Uuid::new_v4().simple()
    ))
}

/// [`serve_refused`] for `--listen 127.0.0.1:0 --database-url <url>`: stderr and the time taken.
async fn refused_db(url: &str) -> (String, Duration) {
    let (_, err, elapsed) =
        serve_refused(&["--listen", "127.0.0.1:0", "--database-url", url], &[]).await;
    (err, elapsed)
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}/gobiz.db", dir.display())
}

#[tokio::test]
async fn port_in_use_is_named_and_no_database_is_created() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = temp_path("port");
    let url = sqlite_url(&dir);
    let (_, err, _) = serve_refused(&["--listen", &addr, "--database-url", &url], &[]).await;
    assert!(err.contains(&addr), "names the address: {err}");
    assert!(
        err.contains("already in use"),
        "says the port is taken: {err}"
    );
    assert!(
        err.contains("--listen 127.0.0.1:0") && err.contains("GOBIZ_LISTEN"),
        "suggests another port: {err}"
    );
    assert!(
        !dir.exists(),
        "no database (nor its folder) before the port is bound: {}",
        dir.display()
    );
    // The same through GOBIZ_LISTEN.
    let (_, err, _) = serve_refused(&["--database-url", &url], &[("GOBIZ_LISTEN", &addr)]).await;
    assert!(err.contains("already in use"), "{err}");
    assert!(!dir.exists());
}

#[tokio::test]
async fn listen_without_a_port_names_the_expected_form() {
    let dir = temp_path("listen");
    let url = sqlite_url(&dir);
    for listen in ["localhost", "127.0.0.1", "localhost:http", ":8080"] {
        let (_, err, _) = serve_refused(&["--listen", listen, "--database-url", &url], &[]).await;
        assert!(
            err.contains("HOST:PORT") && err.contains(&format!("`{listen}`")),
            "{listen}: {err}"
        );
    }
    assert!(!dir.exists());
}

#[tokio::test]
async fn unsupported_database_scheme() {
    let (err, _) = refused_db("mysql://root:hunter2@localhost/gobiz").await;
    assert_eq!(
        err.trim(),
        "gobiz: unsupported database URL scheme `mysql` (use sqlite:// or postgres://)"
    );
    assert!(!err.contains("hunter2"), "no password in errors: {err}");
    // `migrate` says the same.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_gobiz"))
        .args(["migrate", "--database-url", "mysql://localhost/gobiz"])
        .env_remove("GOBIZ_CONFIG")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("unsupported database URL scheme `mysql` (use sqlite:// or postgres://)"));
}

#[tokio::test]
async fn unreachable_postgres_names_host_port_and_cause_at_once() {
    // Refused: nothing listens on port 1.
    let (err, elapsed) = refused_db("postgres://postgres:hunter2@127.0.0.1:1/x").await;
    assert!(err.contains("PostgreSQL at 127.0.0.1:1"), "{err}");
    assert!(err.to_lowercase().contains("refused"), "{err}");
    assert!(!err.contains("hunter2"), "no password in errors: {err}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}: {err}");

    // DNS: a name that cannot resolve.
    let (err, elapsed) = refused_db("postgres://postgres@gobiz-no-such-host.invalid:5433/x").await;
    assert!(
        err.contains("PostgreSQL at gobiz-no-such-host.invalid:5433"),
        "{err}"
    );
    assert!(
        err.contains("lookup"),
        "says the name did not resolve: {err}"
    );
    assert!(elapsed < Duration::from_secs(8), "{elapsed:?}: {err}");

    // Timeout: a server that accepts the connection and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let (err, elapsed) = refused_db(&format!("postgres://postgres@{addr}/x")).await;
    assert!(err.contains(&format!("PostgreSQL at {addr}")), "{err}");
    assert!(err.contains("no answer within 5 s"), "{err}");
    assert!(
        elapsed >= Duration::from_secs(4) && elapsed < Duration::from_secs(9),
        "connect timeout of 5 s: {elapsed:?}"
    );
    drop(silent);
}

/// Each cause is said once (sqlx repeats the database's message as the error's source).
#[tokio::test]
async fn database_errors_are_said_once() {
    let Ok(admin) = std::env::var("GOBIZ_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED (postgres): GOBIZ_TEST_POSTGRES_URL not set");
        return;
    };
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_username("nobody").unwrap();
    url.set_password(None).unwrap();
    let (err, _) = refused_db(url.as_str()).await;
    let said = r#"role "nobody" does not exist"#;
    assert_eq!(err.matches(said).count(), 1, "said once: {err}");
    let host = format!(
        "PostgreSQL at {}:{}",
        url.host_str().unwrap(),
        url.port().unwrap_or(5432)
    );
    assert!(err.contains(&host), "{err}");
}

#[tokio::test]
async fn sqlite_path_that_is_a_folder_or_not_writable_is_named() {
    let dir = temp_path("folder");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.display().to_string();
    let (err, _) = refused_db(&format!("sqlite://{path}")).await;
    assert!(err.contains(&path) && err.contains("is a folder"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);

    // A file this user may not write (root may write anything: then nothing to check).
    let dir = temp_path("readonly");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("gobiz.db");
    std::fs::write(&file, b"").unwrap();
    let mut perms = std::fs::metadata(&file).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&file, perms).unwrap();
    if std::fs::OpenOptions::new().write(true).open(&file).is_err() {
        let path = file.display().to_string();
        let (err, _) = refused_db(&format!("sqlite://{path}")).await;
        assert!(err.contains(&path) && err.contains("not writable"), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);

    // Not writable: no file can be created in /proc (not even by root).
    if Path::new("/proc/self").exists() {
        let path = format!("/proc/gobiz-{}.db", uuid::Uuid::new_v4().simple());
        let (err, _) = refused_db(&format!("sqlite://{path}")).await;
        assert!(err.contains(&path), "names the path: {err}");
        assert_eq!(
            err.matches("unable to open database file").count(),
            1,
            "said once: {err}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Production: the admin API needs --admin-token
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn production_without_admin_token_refuses_to_start() {
    let dir = temp_path("prod");
    let url = sqlite_url(&dir);
    let (_, err, _) = serve_refused(
        &[
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &url,
            "--mode",
            "production",
        ],
        &[("GOBIZ_SECRET_KEY", KEY)],
    )
    .await;
    assert!(
        err.contains(
            "production mode needs --admin-token (or GOBIZ_ADMIN_TOKEN) to set up partners and \
             clients through the admin API"
        ),
        "{err}"
    );
    assert!(!dir.exists(), "refused before anything was created");
}

/// With `sandbox = false` in the config file the operator chose a server without the admin
/// API: it starts, and `/sandbox/v1` is not there.
#[tokio::test]
async fn production_without_admin_api_starts_when_the_config_says_so() {
    let dir = temp_path("prod-noadmin");
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("gobiz.toml");
    std::fs::write(&config, "sandbox = false\n").unwrap();
    let url = sqlite_url(&dir);
    let (mut child, base, _) = spawn_serve(
        &[
            "--database-url",
            &url,
            "--mode",
            "production",
            "--config",
            &config.display().to_string(),
        ],
        &[("GOBIZ_SECRET_KEY", KEY)],
    )
    .await;
    let r = reqwest::Client::new()
        .get(format!("{base}/sandbox/v1/merchants"))
        .bearer_auth("anything")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    child.start_kill().unwrap();
    let _ = child.wait().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Production with --admin-token serves the admin API (spec §10.1: enabled by config; the
/// mode changes the webhook URL rules): partners and clients can be set up, and the client
/// gets tokens.
async fn production_with_admin_token_serves_the_admin_api(db_url: String) {
    let app = TestApp::start_with_env(
        &db_url,
        &[("GOBIZ_MODE", "production"), ("GOBIZ_SECRET_KEY", KEY)],
    )
    .await;
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let r = app
        .api_get("/integrations/partner/v1/linked-outlets", &tok)
        .await;
    assert!(r.text.contains(&fx.outlet_id), "{}", r.text);
    // The production rules hold: the clock stays at real time.
    let r = app
        .admin_post("/sandbox/v1/clock/advance", json!({ "seconds": 60 }))
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
}

both_dbs!(production_with_admin_token_serves_the_admin_api);

// ---------------------------------------------------------------------------------------------
// serve --demo --reset
// ---------------------------------------------------------------------------------------------

async fn stop(mut child: tokio::process::Child) {
    child.start_kill().unwrap();
    let _ = child.wait().await;
}

async fn serve_demo_reset_wipes_and_seeds_the_demo(db_url: String) {
    let http = reqwest::Client::new();
    let admin = "demo-admin-token";
    let post = |base: &str, path: &str, body: serde_json::Value| {
        http.post(format!("{base}{path}"))
            .bearer_auth(admin)
            .json(&body)
            .send()
    };
    let get_json = |base: &str, path: &str| {
        let req = http.get(format!("{base}{path}")).bearer_auth(admin);
        async move {
            let r = req.send().await.unwrap();
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let demo_token = |base: String| {
        let http = http.clone();
        async move {
            http.post(format!("{base}/oauth2/token"))
                .basic_auth(
                    "demo-pos-client",
                    Some("demo-pos-secret-change-me-0123456789abcdefg"),
                )
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("scope", "partner:outlet:read"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let merchants = |body: serde_json::Value| body["data"]["merchants"].as_array().unwrap().len();

    // A demo database, with the clock moved and data of our own added.
    let (child, base, _) = spawn_serve(&["--database-url", &db_url, "--demo"], &[]).await;
    let r = post(
        &base,
        "/sandbox/v1/clock/advance",
        json!({ "seconds": 3600 }),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let r = post(&base, "/sandbox/v1/merchants", json!({ "name": "Extra" }))
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // The demo client is deleted by a plain reset + seed: random ids, the README fails.
    let r = post(&base, "/sandbox/v1/reset", json!({})).await.unwrap();
    assert_eq!(r.status(), 200);
    post(&base, "/sandbox/v1/seed", json!({})).await.unwrap();
    post(
        &base,
        "/sandbox/v1/clock/advance",
        json!({ "seconds": 3600 }),
    )
    .await
    .unwrap();
    assert_eq!(demo_token(base.clone()).await, 401);
    stop(child).await;

    // `--demo` alone keeps a database that is not empty.
    let (child, base, _) = spawn_serve(&["--database-url", &db_url, "--demo"], &[]).await;
    assert_eq!(demo_token(base.clone()).await, 401);
    stop(child).await;

    // `--demo --reset`: wiped and seeded again; real time.
    let (child, base, _) =
        spawn_serve(&["--database-url", &db_url, "--demo", "--reset"], &[]).await;
    assert_eq!(demo_token(base.clone()).await, 200);
    let body = get_json(&base, "/sandbox/v1/merchants").await;
    assert_eq!(merchants(body.clone()), 1, "{body}");
    assert_eq!(body["data"]["merchants"][0]["name"], json!("Kopi Senja"));
    let body = get_json(&base, "/sandbox/v1/clock").await;
    assert_eq!(body["data"]["clock"]["offset_seconds"], json!(0), "{body}");
    stop(child).await;
}

both_dbs!(serve_demo_reset_wipes_and_seeds_the_demo);

#[tokio::test]
async fn reset_needs_demo() {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_gobiz"))
        .args(["serve", "--reset", "--listen", "127.0.0.1:0"])
        .env_remove("GOBIZ_DEMO")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--demo"), "{err}");
}

/// Webhook settings out of range are refused by name, never silently raised or cut.
#[tokio::test]
async fn webhook_settings_out_of_range_are_refused_by_name() {
    for (flag, value, says) in [
        (
            "--webhook-concurrency",
            "0",
            "webhook_concurrency (--webhook-concurrency) must be 1 to 4096, got 0",
        ),
        (
            "--webhook-concurrency",
            "5000",
            "must be 1 to 4096, got 5000",
        ),
        (
            "--webhook-timeout-ms",
            "0",
            "webhook_timeout_ms (--webhook-timeout-ms) must be 1 to 600000, got 0",
        ),
        (
            "--webhook-lease-ms",
            "-5",
            "webhook_lease_ms (--webhook-lease-ms) must be 1 to 86400000, got -5",
        ),
    ] {
        let dir = temp_path("webhook-range");
        let url = sqlite_url(&dir);
        let (_, err, _) = serve_refused(
            &[
                "--listen",
                "127.0.0.1:0",
                "--database-url",
                &url,
                &format!("{flag}={value}"),
            ],
            &[],
        )
        .await;
        assert!(err.contains(says), "{flag} {value}: {err}");
    }
}
