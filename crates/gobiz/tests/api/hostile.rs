//! Hostile and unlucky clients (issue 13): sockets cut in the middle of writes, NUL and
//! control characters, trailing garbage after JSON, requests hyper cannot parse, and the
//! SQLite WAL under sustained writes. Black box: the real binary over HTTP and raw TCP, on
//! both databases.

use std::time::Duration;

use crate::harness::*;
use crate::support::catalog::{catalog_path, get_v2};
use crate::support::orders::*;
use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `host:port` of the server.
fn authority(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_string()
}

/// The raw HTTP/1.1 text of a sandbox order placement on `outlet`.
fn raw_order_request(app: &TestApp, outlet: &str) -> String {
    let body = simple_order().to_string();
    format!(
        "POST /sandbox/v1/outlets/{outlet}/orders HTTP/1.1\r\nHost: {}\r\n\
         Authorization: Bearer {ADMIN_TOKEN}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        authority(app),
        body.len()
    )
}

/// A pseudo-random number below `n` (tests need no reproducible stream here).
fn below(n: u64) -> u64 {
    (uuid::Uuid::new_v4().as_u128() % u128::from(n)) as u64
}

/// 64 clients each send an order placement, and each socket is cut at a random moment
/// within 250 ms, with requests in flight: some die waiting for the pool, some inside
/// BEGIN, some mid-transaction and some while committing.
async fn burst(app: &TestApp, outlet: &str) {
    let request = raw_order_request(app, outlet);
    let mut clients = Vec::new();
    for _ in 0..64 {
        let addr = authority(app);
        let request = request.clone();
        clients.push(tokio::spawn(async move {
            let Ok(mut s) = TcpStream::connect(&addr).await else {
                return;
            };
            let _ = s.write_all(request.as_bytes()).await;
            tokio::time::sleep(Duration::from_micros(below(250_000))).await;
            drop(s);
        }));
    }
    for c in clients {
        let _ = c.await;
    }
}

// Defect 0: a client that hangs up in the middle of a write must not leave a pooled
// connection inside a transaction (SQLite: the write lock held forever, every later write a
// 500 "database is locked" or "begin_with at non-zero transaction depth"). Before the fix
// this wedged SQLite within about ten bursts.
async fn writes_survive_clients_cut_mid_request(app: TestApp) {
    let e = env(&app).await;
    let outlet = e.outlet().to_string();
    place_ok(&app, &outlet, simple_order()).await;
    for _ in 0..30 {
        burst(&app, &outlet).await;
    }
    // Writes still work at once, and the server says it is ready.
    for _ in 0..3 {
        let r = place(&app, &outlet, simple_order()).await;
        assert_eq!(
            r.status,
            201,
            "write after cut bursts: {}\n--- server stderr ---\n{}",
            r.text,
            app.server_stderr()
        );
    }
    let r = app.get("/readyz").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let log = app.server_stderr();
    assert!(!log.contains("transaction depth"), "{log}");
    assert!(!log.contains("database is locked"), "{log}");
}
both_dbs!(writes_survive_clients_cut_mid_request);

/// Sends raw bytes on a fresh connection and reads the whole answer (the server closes).
async fn raw_exchange(app: &TestApp, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(authority(app)).await.unwrap();
    s.write_all(bytes).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).to_string()
}

// `/readyz` says no while the database refuses writes (here another process holds SQLite's
// write lock), and yes again once it accepts them.
#[tokio::test]
async fn readyz_reports_a_database_that_refuses_writes() {
    use sqlx::Connection;
    let db = TestDb::sqlite();
    let app = TestApp::start(&db.url).await;
    assert_eq!(app.get("/readyz").await.status, 200);
    let mut holder = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut holder)
        .await
        .unwrap();
    let r = app.get("/readyz").await;
    assert_eq!(r.status, 503, "{}", r.text);
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    let r = app.get("/readyz").await;
    assert_eq!(r.status, 200, "{}", r.text);
    drop(holder);
    db.cleanup().await;
}

/// A raw JSON body text sent with `Content-Type: application/json`.
async fn send_raw(app: &TestApp, method: Method, path: &str, token: &str, body: &str) -> Resp {
    app.send(
        app.request(method, path)
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_string()),
    )
    .await
}

fn assert_bad_request_naming(r: &Resp, field: &str, what: &str) {
    assert_eq!(r.status, 400, "{what}: {}", r.text);
    let messages = r.messages();
    assert!(
        messages.iter().any(|m| m.starts_with(field)),
        "{what}: expected a message about {field}, got {messages:?}"
    );
}

async fn merchant_count(app: &TestApp) -> usize {
    let r = app.admin_get("/sandbox/v1/merchants?per=100").await;
    let data = r.data(200).clone();
    data.as_array()
        .or_else(|| data["merchants"].as_array())
        .map(Vec::len)
        .unwrap_or_else(|| panic!("merchant listing: {data}"))
}

// Defect 4: data after the JSON value is malformed JSON (spec §1.6), and changes nothing.
async fn trailing_data_after_json_is_refused(app: TestApp) {
    let e = env(&app).await;
    let outlet = e.outlet().to_string();

    let before = merchant_count(&app).await;
    for body in [
        r#"{"name":"x"}garbage"#,
        r#"{"name":"x"} {"name":"y"}"#,
        r#"{"name":"x"}}"#,
    ] {
        let r = send_raw(
            &app,
            Method::POST,
            "/sandbox/v1/merchants",
            ADMIN_TOKEN,
            body,
        )
        .await;
        assert_bad_request_naming(&r, "body: malformed JSON", body);
    }
    assert_eq!(
        merchant_count(&app).await,
        before,
        "no merchant was created"
    );
    // Whitespace after the value is fine.
    let r = send_raw(
        &app,
        Method::POST,
        "/sandbox/v1/merchants",
        ADMIN_TOKEN,
        "{\"name\":\"x\"} \r\n\t",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);

    let catalog_before = get_v2(&app, &e.tok, &outlet).await;
    let mut other = order_catalog();
    other["menus"][0]["name"] = json!("Changed");
    let r = send_raw(
        &app,
        Method::PUT,
        &catalog_path(&outlet, "v1"),
        &e.tok,
        &format!("{other}}}}}]]not json"),
    )
    .await;
    assert_bad_request_naming(&r, "body: malformed JSON", "catalog with garbage");
    assert_eq!(get_v2(&app, &e.tok, &outlet).await, catalog_before);

    let orders_before = list_orders(&app, &outlet).await.len();
    let r = send_raw(
        &app,
        Method::POST,
        &format!("/sandbox/v1/outlets/{outlet}/orders"),
        ADMIN_TOKEN,
        &format!("{} {}", simple_order(), json!({"order_type": "pickup"})),
    )
    .await;
    assert_bad_request_naming(&r, "body: malformed JSON", "order with a second value");
    assert_eq!(list_orders(&app, &outlet).await.len(), orders_before);
}
both_dbs!(trailing_data_after_json_is_refused);

// Defect 3: U+0000 and other control characters are refused at the edge, naming the
// field, the same on both engines (PostgreSQL used to answer 500).
async fn control_characters_are_refused_at_the_edge(app: TestApp) {
    let e = env(&app).await;
    let outlet = e.outlet().to_string();

    // Path parameters.
    for path in [
        "/integrations/partner/outlets/G000%00/v1".to_string(),
        format!("/integrations/gofood/outlets/{outlet}%01/v2/catalog"),
        "/sandbox/v1/orders/F-%00".to_string(),
    ] {
        let r = app.api_get(&path, &e.tok).await;
        assert_bad_request_naming(&r, "path: must not contain control characters", &path);
        assert!(r.text.contains("U+00"), "{}", r.text);
    }
    // Query parameters, named.
    let r = app
        .api_get("/integrations/partner/v1/linked-outlets?per=2%000", &e.tok)
        .await;
    assert_bad_request_naming(&r, "query parameter per", "query");
    let r = app.admin_get("/sandbox/v1/otp?phone=%2B62%00").await;
    assert_bad_request_naming(&r, "query parameter phone", "sandbox query");

    // JSON strings and keys, named by their JSON path; nothing is created.
    let before = merchant_count(&app).await;
    for (body, field) in [
        (json!({"name": "Warung\u{0}"}), "name"),
        (json!({"name": "Warung\u{7}Bell"}), "name"),
        (json!({"name": "ok", "extra\u{0}": 1}), "extra"),
    ] {
        let r = app.admin_post("/sandbox/v1/merchants", body.clone()).await;
        assert_bad_request_naming(&r, field, &body.to_string());
    }
    assert_eq!(
        merchant_count(&app).await,
        before,
        "no merchant was created"
    );
    let mut order = simple_order();
    order["items"][0]["notes"] = json!("no\u{0}chili");
    let r = place(&app, &outlet, order).await;
    assert_bad_request_naming(&r, "items[0].notes", "order notes");
    // Lines and tabs in free text stay allowed.
    let r = app
        .admin_post("/sandbox/v1/merchants", json!({"name": "Line\none\ttab"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);

    // The OAuth endpoints answer RFC 6749 invalid_request, also before knowing the client.
    for form in [
        "grant_type=client_credentials&client_id=abc%00&client_secret=x",
        "grant_type=client_credentials%00&client_id=abc&client_secret=x",
    ] {
        let r = app
            .send(
                app.request(Method::POST, "/oauth2/token")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(form),
            )
            .await;
        assert_oauth_error(&r, 400, "invalid_request");
        assert!(r.text.contains("control characters"), "{}", r.text);
    }
    let r = app
        .send(
            app.request(Method::POST, "/oauth2/token")
                .basic_auth(format!("{}\u{0}", e.fx.client_id), Some("secret"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials"),
        )
        .await;
    assert_oauth_error(&r, 400, "invalid_request");
    let r = app
        .send(app.request(Method::GET, "/oauth2/auth?client_id=%00&response_type=code"))
        .await;
    assert_oauth_error(&r, 400, "invalid_request");

    // The legitimate requests still work.
    let r = app
        .api_get(
            &format!("/integrations/partner/outlets/{outlet}/v1"),
            &e.tok,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}
both_dbs!(control_characters_are_refused_at_the_edge);

fn header_of(raw: &str, name: &str) -> Option<String> {
    let head = raw.split("\r\n\r\n").next()?;
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

fn envelope_of(raw: &str) -> Value {
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("no JSON body ({e}) in {raw:?}"))
}

// Defect 6: what hyper refuses by itself carries the envelope, and a bad X-Request-ID is
// replaced, never a reason to refuse the request (spec §1.4, §1.10).
async fn requests_hyper_cannot_parse_get_the_envelope(app: TestApp) {
    let host = authority(&app);

    let raw = raw_exchange(
        &app,
        format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nX-Request-ID: \x01\x7f\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .await;
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw:?}");
    let id = header_of(&raw, "x-request-id").expect("x-request-id");
    assert!(is_uuid(&id), "a generated request id, got {id:?}");

    let cases: Vec<(Vec<u8>, u16)> = vec![
        (
            format!("GET /integrations/partner/v1/linked outlets HTTP/1.1\r\nHost: {host}\r\n\r\n")
                .into_bytes(),
            400,
        ),
        (
            format!(
                "GET /{} HTTP/1.1\r\nHost: {host}\r\n\r\n",
                "a".repeat(100_000)
            )
            .into_bytes(),
            414,
        ),
        (
            format!(
                "GET /healthz HTTP/1.1\r\nHost: {host}\r\nX-Big: {}\r\n\r\n",
                "b".repeat(500_000)
            )
            .into_bytes(),
            431,
        ),
        (
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n".to_vec(),
            400,
        ),
    ];
    for (bytes, status) in cases {
        let raw = raw_exchange(&app, &bytes).await;
        let what = String::from_utf8_lossy(&bytes[..bytes.len().min(60)]).to_string();
        assert!(
            raw.starts_with(&format!("HTTP/1.1 {status} ")),
            "{what}: {}",
            &raw[..raw.len().min(300)]
        );
        assert_eq!(
            header_of(&raw, "content-type").as_deref(),
            Some("application/json"),
            "{what}"
        );
        assert!(
            header_of(&raw, "x-request-id").is_some_and(|id| is_uuid(&id)),
            "{what}"
        );
        let env = envelope_of(&raw);
        assert_eq!(env["success"], json!(false), "{what}: {env}");
        assert_eq!(
            env["errors"][0]["code"],
            json!(format!("HTTP_{status}")),
            "{what}: {env}"
        );
    }

    // The server still serves.
    assert_eq!(app.get("/healthz").await.status, 200);
}
both_dbs!(requests_hyper_cannot_parse_get_the_envelope);

/// Size of the SQLite database's write-ahead log (0 when there is none).
fn wal_bytes(db: &TestDb) -> u64 {
    let path = db
        .url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    std::fs::metadata(format!("{path}-wal"))
        .map(|m| m.len())
        .unwrap_or(0)
}

// Defect 7: under sustained writes with readers alongside, the WAL is checkpointed while
// running and stays bounded, instead of keeping its high-water mark until shutdown.
#[tokio::test]
async fn sqlite_wal_stays_bounded_under_sustained_writes() {
    const LIMIT: u64 = 16 * 1024 * 1024;
    let db = TestDb::sqlite();
    let app = TestApp::start(&db.url).await;
    let e = env(&app).await;
    let outlet = e.outlet().to_string();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..8 {
        let (client, url, stop) = (
            app.client.clone(),
            app.url("/sandbox/v1/outlets"),
            stop.clone(),
        );
        readers.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = client.get(&url).bearer_auth(ADMIN_TOKEN).send().await;
            }
        }));
    }
    let now = chrono_free_now_secs();
    let mut peak = 0;
    for round in 0..20 {
        let r = app
            .admin_post(
                &format!("/sandbox/v1/outlets/{outlet}/moka/generate"),
                json!({ "count": 5000, "from": utc(now - 86_400 * 30), "to": utc(now - 60), "seed": round }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        peak = peak.max(wal_bytes(&db));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for r in readers {
        let _ = r.await;
    }
    // Checkpoints run every 2 s; give them a generous while, then the log must be small.
    let mut size = wal_bytes(&db);
    for _ in 0..40 {
        if size <= LIMIT {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        size = wal_bytes(&db);
    }
    eprintln!("WAL peak during writes: {peak} bytes; after: {size} bytes");
    assert!(
        size <= LIMIT,
        "WAL still {size} bytes (peak {peak}) after the writes stopped"
    );
    db.cleanup().await;
}

/// Seconds since the epoch, real time (the sandbox clock is not moved in these tests).
fn chrono_free_now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// RFC 3339 UTC of epoch seconds.
fn utc(secs: i64) -> String {
    let (y, mo, d) = civil_date(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}
