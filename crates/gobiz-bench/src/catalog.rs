//! Catalog figures: (1) sync of a 3,000-item / 200-category catalog — time to the 200 and to
//! the `gofood.catalog.menu_mapping_updated` webhook (mapping delay included, printed); (2)
//! `GET v2/catalog` of a 300-item catalog at N connections, next to a bare axum handler that
//! returns the same bytes, measured the same way in the same run.

use crate::{hammer, report_raw};
use anyhow::Context;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

pub(crate) fn catalog(items: usize, categories: usize) -> Value {
    let cats: Vec<Value> = (0..categories)
        .map(|c| json!({
            "external_id": format!("VC-{c}"), "name": format!("Choice {c}"), "internal_name": null,
            "rules": { "selection": { "min_quantity": 0, "max_quantity": 2 } },
            "variants": (0..3).map(|v| json!({ "external_id": format!("V-{c}-{v}"), "name": format!("Option {v}"), "price": 1000 * v, "in_stock": true })).collect::<Vec<_>>(),
        }))
        .collect();
    let per_menu = 30;
    let menus: Vec<Value> = (0..items.div_ceil(per_menu))
        .map(|m| json!({
            "name": format!("Menu {m}"),
            "menu_items": (m * per_menu..((m + 1) * per_menu).min(items)).map(|i| json!({
                "external_id": format!("ITEM-{i}"), "name": format!("Item {i}"), "description": "A tasty dish",
                "in_stock": true, "price": 10000 + i as i64, "image": "https://img.example/i.png",
                "operational_hours": { "monday": [ { "start": "08:00", "end": "22:00" } ], "tuesday": [ { "start": "08:00", "end": "22:00" } ] },
                "variant_category_external_ids": [ format!("VC-{}", i % categories.max(1)) ],
            })).collect::<Vec<_>>(),
        }))
        .collect();
    json!({ "request_id": uuid::Uuid::new_v4().to_string(), "menus": menus, "variant_categories": cats })
}

/// Runs both measurements.
pub async fn run(
    http: &reqwest::Client,
    base: &str,
    seeded: &Value,
    connections: usize,
    seconds: u64,
) -> anyhow::Result<()> {
    let (client_id, secret) = crate::client_of(seeded)?;
    let outlet = seeded["outlet"]["id"]
        .as_str()
        .context("outlet")?
        .to_string();
    let token = crate::client_token(
        http,
        base,
        &client_id,
        &secret,
        "gofood:catalog:read gofood:catalog:write",
    )
    .await?;

    // Receiver for the mapping webhook.
    let got = Arc::new(Notify::new());
    let g2 = got.clone();
    let app = Router::new().route(
        "/hook",
        post(move || {
            let g = g2.clone();
            async move {
                g.notify_one();
                "ok"
            }
        }),
    );
    let addr = crate::serve_local(app).await?;
    let hook = format!("http://{addr}/hook");
    crate::subscribe(
        http,
        base,
        &token,
        "gofood.catalog.menu_mapping_updated",
        &hook,
    )
    .await?;

    let big = serde_json::to_vec(&catalog(3000, 200))?;
    let url = format!("{base}/integrations/gofood/outlets/{outlet}/v1/catalog");
    let t0 = Instant::now();
    let resp = http
        .put(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await?;
    let status = resp.status();
    let to_200 = t0.elapsed();
    anyhow::ensure!(status.is_success(), "push failed: {}", resp.text().await?);
    tokio::time::timeout(Duration::from_secs(30), got.notified())
        .await
        .context("no mapping webhook")?;
    let to_hook = t0.elapsed();
    println!(
        "catalog sync 3000 items / 200 categories ({} KiB): 200 after {:.0} ms; mapping webhook after {:.0} ms (includes the configured mapping delay, default 1000 ms)",
        big.len() / 1024,
        to_200.as_secs_f64() * 1000.0,
        to_hook.as_secs_f64() * 1000.0
    );

    // GET v2 of a 300-item catalog vs a bare axum handler returning the same bytes.
    let small = catalog(300, 20);
    let resp = http
        .put(&url)
        .bearer_auth(&token)
        .json(&small)
        .send()
        .await?;
    anyhow::ensure!(resp.status().is_success(), "push failed");
    let get_url = format!("{base}/integrations/gofood/outlets/{outlet}/v2/catalog");
    let bytes = http
        .get(&get_url)
        .bearer_auth(&token)
        .send()
        .await?
        .bytes()
        .await?;
    let baseline_bytes = bytes.clone();
    let bare = Router::new().route(
        "/catalog",
        get(move || {
            let b = baseline_bytes.clone();
            async move { ([("content-type", "application/json")], b) }
        }),
    );
    let bare_addr = crate::serve_local(bare).await?;

    let (h1, u1, t1) = (http.clone(), get_url.clone(), token.clone());
    let stats = hammer(connections, seconds, move || {
        let (h, u, t) = (h1.clone(), u1.clone(), t1.clone());
        async move {
            match h.get(&u).bearer_auth(&t).send().await {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            }
        }
    })
    .await;
    let ours = report_raw(
        &format!("GET v2/catalog (300 items, {} KiB)", bytes.len() / 1024),
        seconds,
        connections,
        stats,
    );
    let (h2, u2) = (http.clone(), format!("http://{bare_addr}/catalog"));
    let stats = hammer(connections, seconds, move || {
        let (h, u) = (h2.clone(), u2.clone());
        async move {
            match h.get(&u).send().await {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            }
        }
    })
    .await;
    let bare_rps = report_raw("bare axum handler, same bytes", seconds, connections, stats);
    println!(
        "GET v2/catalog reaches {:.0} % of the bare handler",
        100.0 * ours / bare_rps.max(1.0)
    );
    Ok(())
}
