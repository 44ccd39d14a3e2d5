//! Helpers of the peer benchmark (`bench/peers/run.sh`), which drives gobiz and its peers
//! with `wrk`: `peers-setup` pushes the 300-item catalog of the `catalog` benchmark to the
//! demo outlet of a `gobiz serve --demo` and saves the exact bytes gobiz answers, and
//! `peers-baseline` serves saved bytes from a bare axum handler (the ceiling).

use anyhow::Context;
use axum::routing::get;
use axum::Router;
use std::path::PathBuf;

/// The demo client's identity (`gobiz serve --demo`; public, sandbox only).
const DEMO_CLIENT_ID: &str = "demo-pos-client";
const DEMO_CLIENT_SECRET: &str = "demo-pos-secret-change-me-0123456789abcdefg";
const DEMO_OUTLET_ID: &str = "G000012345";

/// Paths of the measured reads, relative to the server's base address.
fn catalog_path() -> String {
    format!("/integrations/gofood/outlets/{DEMO_OUTLET_ID}/v2/catalog")
}
const LINKED_OUTLETS_PATH: &str = "/integrations/partner/v1/linked-outlets";

#[derive(clap::Args, Clone)]
pub(crate) struct Setup {
    /// Base address of a `gobiz serve --demo`.
    #[arg(long)]
    url: String,
    /// Folder that receives `catalog.json` and `linked-outlets.json` (the bodies gobiz answers)
    /// and `paths` (their paths, one `name path` a line).
    #[arg(long)]
    out: PathBuf,
}

#[derive(clap::Args, Clone)]
pub(crate) struct Baseline {
    /// Address to listen on (port 0: any free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// `PATH=FILE`: answer `GET PATH` with the bytes of FILE as `application/json`; repeatable.
    #[arg(long = "route", required = true)]
    routes: Vec<String>,
}

/// `peers-setup`: pushes the catalog, saves both bodies.
pub(crate) async fn setup(http: &reqwest::Client, s: &Setup) -> anyhow::Result<()> {
    let base = s.url.trim_end_matches('/');
    let token = crate::client_token(
        http,
        base,
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET,
        "gofood:catalog:read gofood:catalog:write partner:outlet:read",
    )
    .await
    .context("token of the demo client (is the server started with --demo?)")?;
    let catalog_url = format!("{base}{}", catalog_path());
    let mut body = crate::catalog::catalog(300, 20);
    // A fixed request id, so that every run pushes the same document.
    body["request_id"] = serde_json::json!("00000000-0000-4000-8000-000000000300");
    let r = http
        .put(&catalog_url)
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await?;
    let status = r.status();
    anyhow::ensure!(
        status.is_success(),
        "catalog push: {status} {}",
        r.text().await?
    );
    std::fs::create_dir_all(&s.out)?;
    for (name, path) in [
        ("catalog", catalog_path()),
        ("linked-outlets", LINKED_OUTLETS_PATH.to_string()),
    ] {
        let r = http
            .get(format!("{base}{path}"))
            .bearer_auth(&token)
            .send()
            .await?;
        let status = r.status();
        let bytes = r.bytes().await?;
        anyhow::ensure!(status.is_success(), "GET {path}: {status}");
        let file = s.out.join(format!("{name}.json"));
        std::fs::write(&file, &bytes)?;
        println!("{name} {path} {} bytes", bytes.len());
    }
    Ok(())
}

/// `peers-baseline`: serves the files until killed.
pub(crate) async fn baseline(b: &Baseline) -> anyhow::Result<()> {
    let mut app = Router::new();
    for route in &b.routes {
        let (path, file) = route
            .split_once('=')
            .with_context(|| format!("--route {route}: expected PATH=FILE"))?;
        let bytes = axum::body::Bytes::from(
            std::fs::read(file).with_context(|| format!("cannot read {file}"))?,
        );
        app = app.route(
            path,
            get(move || {
                let b = bytes.clone();
                async move { ([("content-type", "application/json")], b) }
            }),
        );
    }
    let listener = tokio::net::TcpListener::bind(&b.listen).await?;
    println!("baseline listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
