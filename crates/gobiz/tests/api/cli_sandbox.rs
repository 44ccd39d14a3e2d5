//! `gobiz sandbox …` (issue 18 §3): the real binary against a test server. Each subcommand's
//! `--json` output is parsed and checked against the server's own state (read over HTTP);
//! wrong server URL, wrong admin token and unknown outlet give one line and their exit code.

use crate::harness::*;
use serde_json::{json, Value};

const DEMO_OUTLET: &str = "G000012345";
const DEMO_CLIENT: &str = "demo-pos-client";
const DEMO_SECRET: &str = "demo-pos-secret-change-me-0123456789abcdefg";

fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
        .to_string()
}

/// Runs the CLI and parses its `--json` output, panicking with the run when it fails.
async fn json_of(app: &TestApp, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    cli(app, &all).await.ok().json()
}

/// The demo data set, through the CLI itself.
async fn demo(app: &TestApp) {
    let out = json_of(app, &["sandbox", "reset", "--demo"]).await;
    assert_eq!(out, json!({ "reset": true, "demo": true }));
}

/// A failed run: its exit code, nothing on stdout, and one `gobiz: …` line on stderr.
fn assert_one_line(run: &CliRun, code: i32) -> String {
    assert_eq!(run.code, code, "{run:#?}");
    assert!(run.stdout.is_empty(), "{run:#?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {run:#?}");
    assert!(lines[0].starts_with("gobiz: "), "{run:#?}");
    lines[0].to_string()
}

async fn orders_place_show_advance_list(app: TestApp) {
    demo(&app).await;
    // A basket from the menu: the demo outlet accepts at once.
    let placed = json_of(&app, &["sandbox", "orders", "place"]).await;
    let number = s(&placed["order"]["order_number"]);
    assert_eq!(placed["order"]["status"], "MERCHANT_ACCEPTED", "{placed}");
    assert_eq!(placed["service_type"], "gofood");
    assert_eq!(placed["outlet"]["id"], DEMO_OUTLET);
    let items = placed["order"]["order_items"].as_array().unwrap();
    assert!(!items.is_empty(), "{placed}");
    // The pizza needs a topping: one was picked from the menu.
    for i in items {
        if i["external_id"] == "XID" {
            assert_eq!(i["variants"].as_array().unwrap().len(), 1, "{i}");
        }
    }
    let server = app.admin_get(&format!("/sandbox/v1/orders/{number}")).await;
    assert_eq!(server.data(200)["order"], placed);

    let shown = json_of(&app, &["sandbox", "orders", "show", &number]).await;
    assert_eq!(shown, placed);

    let advanced = json_of(&app, &["sandbox", "orders", "advance", &number]).await;
    assert_eq!(
        advanced["order"]["status"], "DRIVER_OTW_PICKUP",
        "{advanced}"
    );
    let done = json_of(
        &app,
        &["sandbox", "orders", "advance", &number, "--to", "completed"],
    )
    .await;
    assert_eq!(done["order"]["status"], "COMPLETED", "{done}");
    let states: Vec<&str> = done["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(states.last(), Some(&"COMPLETED"), "{states:?}");

    // Named items, pickup, a customer: the server priced what was asked.
    let pickup = json_of(
        &app,
        &[
            "sandbox",
            "orders",
            "place",
            "--outlet",
            DEMO_OUTLET,
            "--item",
            "XID:2:V-XID-2",
            "--item",
            "XID-2",
            "--pickup",
            "--customer",
            "Budi",
            "--cutlery",
        ],
    )
    .await;
    assert_eq!(pickup["service_type"], "gofood_pickup", "{pickup}");
    assert_eq!(pickup["customer"]["name"], "Budi");
    assert_eq!(pickup["order"]["cutlery_requested"], true);
    let pizza = pickup["order"]["order_items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["external_id"] == "XID")
        .expect("the pizza")
        .clone();
    assert_eq!(pizza["quantity"], 2);
    assert_eq!(pizza["variants"][0]["external_id"], "V-XID-2", "{pizza}");
    // 2 × (9,000 + 2,000) + 5,000
    assert_eq!(pickup["order"]["order_total"], 27_000, "{pickup}");
    let pickup_number = s(&pickup["order"]["order_number"]);

    let cancelled = json_of(
        &app,
        &[
            "sandbox",
            "orders",
            "cancel",
            &pickup_number,
            "--reason",
            "Changed my mind",
        ],
    )
    .await;
    assert_eq!(cancelled["order"]["status"], "CANCELLED", "{cancelled}");
    assert_eq!(
        cancelled["order"]["cancellation_detail"]["reason"],
        "Changed my mind"
    );

    // The list shows both, newest first, with the server's states.
    let list = json_of(&app, &["sandbox", "orders", "list"]).await;
    let rows: Vec<(String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (s(&o["order"]["order_number"]), s(&o["order"]["status"])))
        .collect();
    assert_eq!(
        rows,
        vec![
            (pickup_number.clone(), "CANCELLED".to_string()),
            (number.clone(), "COMPLETED".to_string())
        ]
    );
    // The table names them too.
    let table = cli(&app, &["sandbox", "orders", "list"]).await.ok();
    assert!(table.stdout.contains(&number) && table.stdout.contains("COMPLETED"));

    // The server's refusals, in its words, with their codes.
    let again = cli(&app, &["sandbox", "orders", "cancel", &number]).await;
    let line = assert_one_line(&again, 6);
    assert!(
        line.contains("cannot be cancelled in state COMPLETED"),
        "{line}"
    );
    let unknown = cli(&app, &["sandbox", "orders", "place", "--item", "NOPE"]).await;
    let line = assert_one_line(&unknown, 6);
    assert!(
        line.contains("NOPE") && line.ends_with("(HTTP 422)"),
        "{line}"
    );
    let missing = cli(&app, &["sandbox", "orders", "show", "F-1"]).await;
    assert_one_line(&missing, 5);
    let bad = cli(&app, &["sandbox", "orders", "place", "--item", "XID:two"]).await;
    assert_one_line(&bad, 2);
}
both_dbs!(orders_place_show_advance_list);

async fn clock_show_and_advance(app: TestApp) {
    let shown = json_of(&app, &["sandbox", "clock"]).await;
    assert_eq!(shown["offset_seconds"], 0, "{shown}");
    let also = json_of(&app, &["sandbox", "clock", "show"]).await;
    assert_eq!(also["offset_seconds"], 0);

    let moved = json_of(&app, &["sandbox", "clock", "advance", "3m"]).await;
    assert_eq!(moved["offset_seconds"], 180, "{moved}");
    let moved = json_of(&app, &["sandbox", "clock", "advance", "1h30m"]).await;
    assert_eq!(moved["offset_seconds"], 180 + 5400, "{moved}");
    let server = app.admin_get("/sandbox/v1/clock").await;
    let clock = server.data(200)["clock"].clone();
    assert_eq!(clock["offset_seconds"], 5580);
    assert!(clock["now"].as_str().unwrap() >= moved["now"].as_str().unwrap());

    let human = cli(&app, &["sandbox", "clock"]).await.ok();
    assert!(human.stdout.contains("+1h33m"), "{human:#?}");
    let wrong = cli(&app, &["sandbox", "clock", "advance", "3x"]).await;
    assert_eq!(wrong.code, 2, "{wrong:#?}");
    assert!(wrong.stderr.contains("not a duration"), "{wrong:#?}");
    assert_eq!(
        app.admin_get("/sandbox/v1/clock").await.data(200)["clock"]["offset_seconds"],
        5580
    );
}
both_dbs!(clock_show_and_advance);

async fn payments_create_pay_expire_list(app: TestApp) {
    demo(&app).await;
    let created = json_of(
        &app,
        &["sandbox", "payments", "create", "--amount", "25000"],
    )
    .await;
    let id = s(&created["transaction"]["id"]);
    assert_eq!(created["transaction"]["status"], "pending", "{created}");
    assert_eq!(created["transaction"]["gross_amount"], 25_000);
    assert_eq!(created["outlet"]["id"], DEMO_OUTLET);
    assert!(created["expires_at"].is_string(), "{created}");

    let paid = json_of(&app, &["sandbox", "payments", "pay", &id]).await;
    assert_eq!(paid["transaction"]["status"], "settlement", "{paid}");
    assert!(paid["transaction"]["settlement_at"].is_string());

    // Paid by its scanned payload.
    let second = json_of(&app, &["sandbox", "payments", "create", "--amount", "1500"]).await;
    let qris = s(&second["transaction"]["qris_string"]);
    let paid2 = json_of(&app, &["sandbox", "payments", "pay", "--qris", &qris]).await;
    assert_eq!(paid2["transaction"]["id"], second["transaction"]["id"]);
    assert_eq!(paid2["transaction"]["status"], "settlement");

    let third = json_of(&app, &["sandbox", "payments", "create"]).await;
    let third_id = s(&third["transaction"]["id"]);
    let expired = json_of(&app, &["sandbox", "payments", "expire", &third_id]).await;
    assert_eq!(expired["transaction"]["status"], "expire", "{expired}");
    let late = cli(&app, &["sandbox", "payments", "pay", &third_id]).await;
    let line = assert_one_line(&late, 6);
    assert!(line.contains("not pending"), "{line}");

    let list = json_of(&app, &["sandbox", "payments", "list"]).await;
    let rows: Vec<(String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (s(&t["transaction"]["id"]), s(&t["transaction"]["status"])))
        .collect();
    let second_id = s(&second["transaction"]["id"]);
    assert_eq!(
        rows,
        vec![
            (third_id.clone(), "expire".into()),
            (second_id, "settlement".into()),
            (id.clone(), "settlement".into()),
        ]
    );
    // The server agrees.
    let server = app
        .admin_get(&format!("/sandbox/v1/outlets/{DEMO_OUTLET}/transactions"))
        .await;
    let listed = server.data(200)["transactions"].clone();
    assert_eq!(listed, list);

    let missing = cli(
        &app,
        &[
            "sandbox",
            "payments",
            "pay",
            "5b0c7e7e-2f4a-4d38-9d1e-3a1b2c3d4e5f",
        ],
    )
    .await;
    assert_one_line(&missing, 5);
    let amount = cli(&app, &["sandbox", "payments", "create", "--amount", "0"]).await;
    assert_one_line(&amount, 6);
}
both_dbs!(payments_create_pay_expire_list);

async fn outlets_and_partners(app: TestApp) {
    demo(&app).await;
    let partner = json_of(
        &app,
        &[
            "sandbox",
            "partners",
            "create",
            "--name",
            "CLI POS",
            "--standard-webhooks",
        ],
    )
    .await;
    let pid = s(&partner["id"]);
    let secret = s(&partner["notification_secret"]);
    assert_eq!(partner["type"], "facilitator");
    assert_eq!(partner["standard_webhooks"], true);
    let server = app.admin_get(&format!("/sandbox/v1/partners/{pid}")).await;
    assert_eq!(server.data(200)["partner"]["name"], "CLI POS");

    let shown = json_of(&app, &["sandbox", "partners", "secret", &pid]).await;
    assert_eq!(
        shown,
        json!({ "partner_id": pid, "notification_secret": secret })
    );
    let plain = cli(&app, &["sandbox", "partners", "secret", &pid])
        .await
        .ok();
    assert_eq!(plain.stdout.trim(), secret);
    let rotated = json_of(&app, &["sandbox", "partners", "secret", &pid, "--rotate"]).await;
    let new_secret = s(&rotated["notification_secret"]);
    assert_ne!(new_secret, secret);
    let server = app
        .admin_get(&format!("/sandbox/v1/partners/{pid}/notification-secret"))
        .await;
    assert_eq!(server.data(200)["notification_secret"], new_secret.as_str());

    let partners = json_of(&app, &["sandbox", "partners", "list"]).await;
    assert_eq!(partners.as_array().unwrap().len(), 2, "{partners}");

    // A new outlet of the demo merchant, linked to the new partner for payment.
    let outlet = json_of(
        &app,
        &[
            "sandbox",
            "outlets",
            "create",
            "--name",
            "Kopi Senja Menteng",
            "--acceptance-mode",
            "manual",
        ],
    )
    .await;
    let oid = s(&outlet["id"]);
    assert_eq!(outlet["acceptance_mode"], "manual");
    let demo_outlet = app
        .admin_get(&format!("/sandbox/v1/outlets/{DEMO_OUTLET}"))
        .await;
    assert_eq!(
        outlet["merchant_id"],
        demo_outlet.data(200)["outlet"]["merchant_id"]
    );
    let link = json_of(
        &app,
        &[
            "sandbox",
            "outlets",
            "link",
            "--outlet",
            &oid,
            "--partner",
            &pid,
            "--product",
            "payment",
            "--external-id",
            "menteng-1",
        ],
    )
    .await;
    assert_eq!(link["outlet"]["id"], oid.as_str());
    assert_eq!(link["outlet"]["external_outlet_id"], "menteng-1");
    assert_eq!(link["product"], "payment");

    let list = json_of(&app, &["sandbox", "outlets", "list"]).await;
    let ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|o| s(&o["id"]))
        .collect();
    assert!(
        ids.contains(&oid) && ids.contains(&DEMO_OUTLET.to_string()),
        "{ids:?}"
    );
    let server = app.admin_get("/sandbox/v1/outlets").await;
    assert_eq!(server.data(200)["outlets"], list);

    // The link is real: the partner has the outlet for payment.
    let tx = json_of(&app, &["sandbox", "payments", "create", "--outlet", &oid]).await;
    assert_eq!(tx["partner_id"], pid.as_str(), "{tx}");

    // An explicit id that is taken; a user without a role; an unknown partner.
    let taken = cli(
        &app,
        &[
            "sandbox",
            "outlets",
            "create",
            "--name",
            "Dup",
            "--id",
            DEMO_OUTLET,
        ],
    )
    .await;
    let line = assert_one_line(&taken, 6);
    assert!(line.contains("already exists"), "{line}");
    let nobody = cli(
        &app,
        &[
            "sandbox",
            "outlets",
            "link",
            "--partner",
            &pid,
            "--phone",
            "+6289999999999",
        ],
    )
    .await;
    assert_one_line(&nobody, 5);
    let unknown = cli(&app, &["sandbox", "partners", "secret", "no-such-partner"]).await;
    let line = assert_one_line(&unknown, 5);
    assert!(line.contains("no-such-partner"), "{line}");
}
both_dbs!(outlets_and_partners);

async fn otp_of_a_login(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let none = cli(&app, &["sandbox", "otp", &fx.phone]).await;
    let line = assert_one_line(&none, 5);
    assert!(line.contains("No live OTP"), "{line}");

    let (client_id, _) = app.create_ac_client(&fx.partner_id, &[REDIRECT_URI]).await;
    let path = app.authorize_path(&client_id, REDIRECT_URI, "openid partner:outlet:read", &[]);
    let flow = app.start_flow(&path).await;
    app.submit_phone(&flow, &fx.phone).await;
    let code = app.otp_code(&fx.phone).await;

    let otp = json_of(&app, &["sandbox", "otp", &fx.phone]).await;
    assert_eq!(otp["code"], code.as_str(), "{otp}");
    assert_eq!(otp["phone"], fx.phone.as_str());
    assert!(otp["attempts_left"].as_i64().unwrap() > 0);
    let plain = cli(&app, &["sandbox", "otp", &fx.phone]).await.ok();
    assert_eq!(plain.stdout.trim(), code);
}
both_dbs!(otp_of_a_login);

async fn reset_and_reset_demo(app: TestApp) {
    app.setup_facilitator().await;
    json_of(&app, &["sandbox", "clock", "advance", "1h"]).await;
    let out = json_of(&app, &["sandbox", "reset"]).await;
    assert_eq!(out, json!({ "reset": true, "demo": false }));
    assert_eq!(
        app.admin_get("/sandbox/v1/outlets").await.data(200)["outlets"],
        json!([])
    );
    assert_eq!(
        app.admin_get("/sandbox/v1/clock").await.data(200)["clock"]["offset_seconds"],
        0
    );
    let list = json_of(&app, &["sandbox", "outlets", "list"]).await;
    assert_eq!(list, json!([]));
    let human = cli(&app, &["sandbox", "outlets", "list"]).await.ok();
    assert_eq!(human.stdout.trim(), "(none)");
    // Without the demo outlet, `outlets create` says how to name a merchant.
    let orphan = cli(&app, &["sandbox", "outlets", "create", "--name", "X"]).await;
    let line = assert_one_line(&orphan, 2);
    assert!(line.contains("--merchant"), "{line}");

    demo(&app).await;
    let outlet = app
        .admin_get(&format!("/sandbox/v1/outlets/{DEMO_OUTLET}"))
        .await;
    assert_eq!(outlet.data(200)["outlet"]["name"], "Kopi Senja Kemang");
    let (status, _) = app.token(DEMO_CLIENT, DEMO_SECRET, None).await;
    assert_eq!(status, 200, "the demo client works again");
}
both_dbs!(reset_and_reset_demo);

/// Every paid Moka sale of the outlet, through the partner API (pages of 1,000).
async fn moka_sales(app: &TestApp, token: &str) -> usize {
    let mut total = 0;
    for page in 1.. {
        let r = app
            .api_get(
                &format!(
                    "/integrations/mokapos/outlets/{DEMO_OUTLET}/v1/reporting/transactions?per_page=1000&page={page}"
                ),
                token,
            )
            .await;
        let n = r.data(200)["transactions"].as_array().unwrap().len();
        total += n;
        if n < 1000 {
            break;
        }
    }
    total
}

async fn moka_generate_count(app: TestApp) {
    demo(&app).await;
    let token = app
        .access_token(DEMO_CLIENT, DEMO_SECRET, "mokapos:transaction:read")
        .await;
    let before = moka_sales(&app, &token).await;
    let out = json_of(
        &app,
        &[
            "sandbox", "moka", "generate", "--count", "50", "--seed", "7",
        ],
    )
    .await;
    assert_eq!(out["count"], 50, "{out}");
    assert_eq!(out["requests"], 1);
    assert_eq!(out["outlet_id"], DEMO_OUTLET);
    assert_eq!(moka_sales(&app, &token).await, before + 50);
    // More than one request's worth: every sale arrives, in one range.
    let out = json_of(
        &app,
        &[
            "sandbox",
            "moka",
            "generate",
            "--count",
            "250",
            "--from",
            "2024-04-01T00:00:00+07:00",
            "--to",
            "2024-04-30T23:59:59+07:00",
        ],
    )
    .await;
    assert_eq!(out["count"], 250, "{out}");
    assert_eq!(out["requests"], 3);
    assert_eq!(out["from"], "2024-03-31T17:00:00Z");
    assert_eq!(moka_sales(&app, &token).await, before + 300);

    let zero = cli(&app, &["sandbox", "moka", "generate", "--count", "0"]).await;
    assert_eq!(zero.code, 2, "{zero:#?}");
    let unknown = cli(
        &app,
        &[
            "sandbox",
            "moka",
            "generate",
            "--count",
            "5",
            "--outlet",
            "G999999999",
        ],
    )
    .await;
    assert_eq!(
        assert_one_line(&unknown, 5),
        "gobiz: Outlet with id: G999999999 is not found (HTTP 404)"
    );
}
both_dbs!(moka_generate_count);

async fn one_line_errors(app: TestApp) {
    // Unknown outlet.
    for args in [
        &["sandbox", "orders", "list", "--outlet", "G999999999"][..],
        &["sandbox", "payments", "list", "--outlet", "G999999999"][..],
        &["sandbox", "orders", "place", "--outlet", "G999999999"][..],
    ] {
        let run = cli(&app, args).await;
        assert_eq!(
            assert_one_line(&run, 5),
            "gobiz: Outlet with id: G999999999 is not found (HTTP 404)",
            "{args:?}"
        );
    }
    // Wrong admin token.
    let run = cli(&app, &["sandbox", "clock", "--admin-token", "wrong-token"]).await;
    let line = assert_one_line(&run, 4);
    assert!(line.contains("refused the admin token"), "{line}");
    let run = cli_bare(&[
        "sandbox",
        "outlets",
        "list",
        "--server",
        &app.base,
        "--admin-token",
        "nope",
        "--json",
    ])
    .await;
    assert_one_line(&run, 4);
}
both_dbs!(one_line_errors);

#[tokio::test]
async fn unreachable_server_and_bad_url() {
    let run = cli_bare(&["sandbox", "clock", "--server", "http://127.0.0.1:9"]).await;
    let line = assert_one_line(&run, 3);
    assert!(
        line.contains("cannot reach the gobiz server at http://127.0.0.1:9"),
        "{line}"
    );
    let run = cli_bare(&[
        "sandbox",
        "orders",
        "list",
        "--json",
        "--server",
        "http://127.0.0.1:9",
    ])
    .await;
    assert_one_line(&run, 3);
    let run = cli_bare(&["sandbox", "clock", "--server", "notaurl"]).await;
    let line = assert_one_line(&run, 2);
    assert!(line.contains("--server"), "{line}");
}

#[tokio::test]
async fn completions_and_examples() {
    for shell in ["bash", "zsh", "fish"] {
        let run = cli_bare(&["completions", shell]).await;
        assert_eq!(run.code, 0, "{run:#?}");
        assert!(run.stdout.contains("sandbox"), "{shell}");
        assert!(run.stdout.contains("advance"), "{shell}: subcommands too");
    }
    let commands: &[&[&str]] = &[
        &["sandbox"],
        &["sandbox", "orders", "place"],
        &["sandbox", "orders", "list"],
        &["sandbox", "orders", "show"],
        &["sandbox", "orders", "advance"],
        &["sandbox", "orders", "cancel"],
        &["sandbox", "clock"],
        &["sandbox", "clock", "advance"],
        &["sandbox", "payments", "create"],
        &["sandbox", "payments", "pay"],
        &["sandbox", "payments", "expire"],
        &["sandbox", "payments", "list"],
        &["sandbox", "outlets", "list"],
        &["sandbox", "outlets", "create"],
        &["sandbox", "outlets", "link"],
        &["sandbox", "partners", "create"],
        &["sandbox", "partners", "secret"],
        &["sandbox", "otp"],
        &["sandbox", "reset"],
        &["sandbox", "moka", "generate"],
    ];
    for c in commands {
        let mut args = c.to_vec();
        args.push("--help");
        let run = cli_bare(&args).await;
        assert_eq!(run.code, 0, "{run:#?}");
        assert!(run.stdout.contains("Example:"), "{c:?}: {}", run.stdout);
    }
}
