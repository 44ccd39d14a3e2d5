//! Black-box harness: spawns the real `gobiz` binary against a fresh database per test and
//! talks to it over HTTP only.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const ADMIN_TOKEN: &str = "test-admin-token";

/// Every scope the facilitator fixture's client is allowed.
pub const FACILITATOR_SCOPES: &[&str] = &[
    "partner:outlet:read",
    "partner:outlet:write",
    "gofood:catalog:read",
    "gofood:catalog:write",
    "gofood:order:read",
    "gofood:order:write",
    "gofood:outlet:write",
];

const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Generates `$name::sqlite` and `$name::postgres` tests from one async closure taking a
/// [`TestApp`], e.g. `both_dbs!(token_basic_auth, |app: TestApp| async move { ... });`.
/// Test files declare `#[macro_use] mod common;`.
macro_rules! both_dbs {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let db = $crate::common::TestDb::sqlite();
                let app = $crate::common::TestApp::start(&db.url).await;
                ($body)(app).await;
                db.cleanup().await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(db) = $crate::common::TestDb::postgres().await else {
                    return;
                };
                let app = $crate::common::TestApp::start(&db.url).await;
                ($body)(app).await;
                db.cleanup().await;
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Databases
// ---------------------------------------------------------------------------------------------

pub enum DbKind {
    Sqlite { dir: PathBuf },
    Postgres { admin_url: String, name: String },
}

/// One fresh database, removed (best effort) when dropped.
pub struct TestDb {
    pub url: String,
    kind: DbKind,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir =
            std::env::temp_dir().join(format!("gobiz-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("create temp dir for sqlite database");
        let url = format!("sqlite://{}/gobiz.db?mode=rwc", dir.display());
        TestDb {
            url,
            kind: DbKind::Sqlite { dir },
        }
    }

    /// `None` (after saying so on stderr) when `GOBIZ_TEST_POSTGRES_URL` is not set.
    pub async fn postgres() -> Option<TestDb> {
        use sqlx::Connection;
        let admin_url = match std::env::var("GOBIZ_TEST_POSTGRES_URL") {
            Ok(v) if !v.trim().is_empty() => v,
            _ => {
                eprintln!("SKIPPED (postgres): GOBIZ_TEST_POSTGRES_URL not set");
                return None;
            }
        };
        let name = format!("gobiz_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| {
                panic!("cannot connect to GOBIZ_TEST_POSTGRES_URL={admin_url}: {e}")
            });
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name} failed: {e}"));
        let _ = conn.close().await;
        let url = replace_db_name(&admin_url, &name);
        Some(TestDb {
            url,
            kind: DbKind::Postgres { admin_url, name },
        })
    }

    /// Removes the database (best effort); dropping does the same.
    pub async fn cleanup(self) {
        drop(self);
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.kind {
            DbKind::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            DbKind::Postgres { admin_url, name } => {
                // Runs on its own thread and runtime so it works from async code and during
                // unwinding. FORCE ends sessions of a server that is still going away.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async move {
                        use sqlx::Connection;
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                            let _ = sqlx::query(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .execute(&mut conn)
                            .await;
                            let _ = conn.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// `postgres://u@h:5432/postgres?x=y` + `other` → `postgres://u@h:5432/other?x=y`.
pub fn replace_db_name(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let new_base = match base[scheme_end..].find('/') {
        Some(i) => format!("{}/{}", &base[..scheme_end + i], db),
        None => format!("{base}/{db}"),
    };
    match query {
        Some(q) => format!("{new_base}?{q}"),
        None => new_base,
    }
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

/// A fully read response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    /// The body parsed as JSON, `Value::Null` when it is not JSON.
    pub json: Value,
}

impl Resp {
    pub async fn read(r: reqwest::Response) -> Resp {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.expect("read response body");
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            text,
            json,
        }
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("header is ASCII").to_string())
    }

    /// `json["data"]`, after asserting a successful envelope with the given status.
    pub fn data(&self, status: u16) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(
            self.json["success"],
            json!(true),
            "success flag; body: {}",
            self.text
        );
        assert!(
            self.json["data"].is_object(),
            "data must be an object; body: {}",
            self.text
        );
        &self.json["data"]
    }

    /// Error messages of an error envelope.
    pub fn messages(&self) -> Vec<String> {
        self.json["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["message"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Asserts the GoBiz error envelope: status, `success:false`, and on `errors[0]` the title,
/// message, `code` = `HTTP_<status>`, severity `error`; plus an `X-Request-ID` header.
pub fn assert_error(r: &Resp, status: u16, title: &str, message: &str) {
    assert_error_title(r, status, title);
    assert_eq!(
        r.json["errors"][0]["message"],
        json!(message),
        "message; body: {}",
        r.text
    );
}

/// Like [`assert_error`] without checking the message.
pub fn assert_error_title(r: &Resp, status: u16, title: &str) {
    assert_eq!(r.status, status, "status; body: {}", r.text);
    assert_eq!(
        r.json["success"],
        json!(false),
        "success flag; body: {}",
        r.text
    );
    let errors = r.json["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("errors array; body: {}", r.text));
    assert!(
        !errors.is_empty(),
        "errors must not be empty; body: {}",
        r.text
    );
    for e in errors {
        assert_eq!(
            e["message_title"],
            json!(title),
            "message_title; body: {}",
            r.text
        );
        assert_eq!(
            e["code"],
            json!(format!("HTTP_{status}")),
            "code; body: {}",
            r.text
        );
        assert_eq!(
            e["message_severity"],
            json!("error"),
            "severity; body: {}",
            r.text
        );
        assert!(
            e["message"].is_string(),
            "message must be a string; body: {}",
            r.text
        );
    }
    assert!(
        r.json.get("data").is_none(),
        "no data on errors; body: {}",
        r.text
    );
    let rid = r.header("x-request-id");
    assert!(
        rid.as_deref().is_some_and(|v| !v.is_empty()),
        "x-request-id header missing"
    );
}

/// 400 `Bad Request` with at least one message `<field>: …` (or `<field>[i]…: …`).
pub fn assert_field_error(r: &Resp, field: &str) {
    assert_error_title(r, 400, "Bad Request");
    let msgs = r.messages();
    assert!(
        msgs.iter().any(|m| {
            m.strip_prefix(field).is_some_and(|rest| {
                rest.starts_with(':') || rest.starts_with('[') || rest.starts_with('.')
            })
        }),
        "expected an error about `{field}`, got {msgs:?}"
    );
}

/// RFC 6749 error body `{error, error_description}` with the given status and code.
pub fn assert_oauth_error(r: &Resp, status: u16, error: &str) {
    assert_eq!(r.status, status, "status; body: {}", r.text);
    assert_eq!(
        r.json["error"],
        json!(error),
        "error code; body: {}",
        r.text
    );
    assert!(
        r.json
            .get("error_description")
            .is_none_or(|d| d.is_string()),
        "error_description must be a string; body: {}",
        r.text
    );
}

/// 401 row 1 of §1.6 with its `WWW-Authenticate` header.
pub fn assert_session_expired(r: &Resp) {
    assert_error(
        r,
        401,
        "Session Expired",
        "Your session is expired. Please login again.",
    );
    assert_eq!(
        r.header("www-authenticate").as_deref(),
        Some("Bearer error=\"invalid_token\"")
    );
}

pub fn assert_rfc3339_z(v: &Value) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("timestamp must be a string, got {v}"));
    let b = s.as_bytes();
    let ok = b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        });
    assert!(ok, "not an RFC 3339 UTC timestamp with whole seconds: {s}");
}

pub fn is_outlet_id(s: &str) -> bool {
    s.len() == 10 && s.starts_with('G') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

pub fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok() && s.len() == 36 && s == s.to_lowercase()
}

pub fn is_base64url(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A unique valid Indonesian mobile number in the local `08…` form.
pub fn random_phone_local() -> String {
    let n = uuid::Uuid::new_v4().as_u128() % 100_000_000;
    format!("0812{n:08}")
}

/// `08…` → `+628…`.
pub fn normalised(local: &str) -> String {
    format!("+62{}", &local[1..])
}

// ---------------------------------------------------------------------------------------------
// The server under test
// ---------------------------------------------------------------------------------------------

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db_url: String,
    child: Child,
    stderr: Arc<Mutex<Vec<String>>>,
}

#[derive(Debug, Clone)]
pub struct Fixture {
    pub merchant_id: String,
    pub outlet_id: String,
    pub user_id: String,
    /// Normalised (`+62…`).
    pub phone: String,
    pub partner_id: String,
    pub notification_secret: String,
    pub client_id: String,
    pub client_secret: String,
    /// The facilitator fixture's link (`gofood`); empty for the direct fixture.
    pub external_outlet_id: String,
}

impl TestApp {
    pub async fn start(db_url: &str) -> TestApp {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .expect("build reqwest client");
        let (child, base, stderr) = spawn_server(db_url).await;
        TestApp {
            base,
            client,
            db_url: db_url.to_string(),
            child,
            stderr,
        }
    }

    /// Kills the server (SIGKILL) and starts a new one on the same database (new port).
    pub async fn restart(&mut self) {
        self.child.start_kill().expect("kill server");
        let _ = self.child.wait().await;
        let (child, base, stderr) = spawn_server(&self.db_url).await;
        self.child = child;
        self.base = base;
        self.stderr = stderr;
    }

    /// Sends SIGTERM and waits (at most 15 s) for the server to exit; returns its status.
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().expect("server pid");
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
        tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .expect("server did not exit within 15 s of SIGTERM")
            .expect("wait for server")
    }

    /// What the server wrote on stderr so far.
    pub fn server_stderr(&self) -> String {
        self.stderr.lock().expect("stderr lock").join("\n")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub async fn send(&self, rb: RequestBuilder) -> Resp {
        let r = rb.send().await.unwrap_or_else(|e| {
            panic!(
                "request failed: {e}\n--- server stderr ---\n{}",
                self.server_stderr()
            )
        });
        Resp::read(r).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.request(Method::GET, path)).await
    }

    // --- admin (sandbox) ---

    fn admin(&self, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(ADMIN_TOKEN)
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> Resp {
        self.send(self.admin(Method::POST, path).json(&body)).await
    }

    pub async fn admin_patch(&self, path: &str, body: Value) -> Resp {
        self.send(self.admin(Method::PATCH, path).json(&body)).await
    }

    pub async fn admin_get(&self, path: &str) -> Resp {
        self.send(self.admin(Method::GET, path)).await
    }

    pub async fn admin_delete(&self, path: &str, body: Value) -> Resp {
        self.send(self.admin(Method::DELETE, path).json(&body))
            .await
    }

    // --- OAuth ---

    /// `client_credentials` with `client_secret_basic`; `scope` omitted when `None`.
    pub async fn token(&self, client_id: &str, secret: &str, scope: Option<&str>) -> (u16, Value) {
        let r = self.token_resp(client_id, secret, scope).await;
        (r.status, r.json)
    }

    pub async fn token_resp(&self, client_id: &str, secret: &str, scope: Option<&str>) -> Resp {
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(s) = scope {
            form.push(("scope", s));
        }
        self.send(
            self.request(Method::POST, "/oauth2/token")
                .basic_auth(client_id, Some(secret))
                .form(&form),
        )
        .await
    }

    /// An access token, asserting success.
    pub async fn access_token(&self, client_id: &str, secret: &str, scope: &str) -> String {
        let r = self.token_resp(client_id, secret, Some(scope)).await;
        assert_eq!(r.status, 200, "token request failed: {}", r.text);
        r.json["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    /// A token of the fixture's client with every scope it is allowed.
    pub async fn fixture_token(&self, fx: &Fixture) -> String {
        self.access_token(
            &fx.client_id,
            &fx.client_secret,
            &FACILITATOR_SCOPES.join(" "),
        )
        .await
    }

    // --- API ---

    pub async fn api_get(&self, path: &str, token: &str) -> Resp {
        self.send(self.request(Method::GET, path).bearer_auth(token))
            .await
    }

    // --- fixtures ---

    pub async fn create_merchant(&self, name: &str) -> String {
        let r = self
            .admin_post("/sandbox/v1/merchants", json!({ "name": name }))
            .await;
        r.data(201)["merchant"]["id"]
            .as_str()
            .expect("merchant.id")
            .to_string()
    }

    pub async fn create_outlet(&self, merchant_id: &str, body: Value) -> Value {
        let r = self
            .admin_post(
                &format!("/sandbox/v1/merchants/{merchant_id}/outlets"),
                body,
            )
            .await;
        r.data(201)["outlet"].clone()
    }

    pub async fn create_outlet_id(&self, merchant_id: &str, name: &str) -> String {
        let o = self
            .create_outlet(merchant_id, json!({ "name": name }))
            .await;
        o["id"].as_str().expect("outlet.id").to_string()
    }

    pub async fn create_partner(&self, body: Value) -> Value {
        let r = self.admin_post("/sandbox/v1/partners", body).await;
        r.data(201)["partner"].clone()
    }

    pub async fn create_client(&self, partner_id: &str, scopes: &[&str]) -> (String, String) {
        let r = self
            .admin_post(
                &format!("/sandbox/v1/partners/{partner_id}/clients"),
                json!({ "allowed_scopes": scopes, "allowed_grants": ["client_credentials"] }),
            )
            .await;
        let c = &r.data(201)["client"];
        (
            c["client_id"].as_str().expect("client_id").to_string(),
            c["client_secret"]
                .as_str()
                .expect("client_secret")
                .to_string(),
        )
    }

    pub async fn link(
        &self,
        fx: &Fixture,
        outlet_id: &str,
        product: &str,
        external_outlet_id: &str,
    ) -> Value {
        let r = self
            .admin_post(
                "/sandbox/v1/links",
                json!({ "user_id": fx.user_id, "partner_id": fx.partner_id, "outlet_id": outlet_id,
                        "product": product, "external_outlet_id": external_outlet_id }),
            )
            .await;
        r.data(200)["outlet"].clone()
    }

    /// Merchant, outlet, owner user, facilitator partner, client with [`FACILITATOR_SCOPES`],
    /// and the outlet linked to the partner for `gofood`.
    pub async fn setup_facilitator(&self) -> Fixture {
        let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
        let merchant_id = self.create_merchant(&format!("Warung {tag}")).await;
        let outlet = self
            .create_outlet(
                &merchant_id,
                json!({ "name": format!("Outlet {tag}"), "address": "Jl. Kemang Raya 10, Jakarta",
                        "email": format!("outlet-{tag}@example.com") }),
            )
            .await;
        let outlet_id = outlet["id"].as_str().expect("outlet.id").to_string();
        let phone = random_phone_local();
        let r = self
            .admin_post(
                "/sandbox/v1/users",
                json!({ "phone": phone, "name": format!("Owner {tag}"),
                        "roles": [{ "merchant_id": merchant_id, "role": "owner" }],
                        "primary_outlet_id": outlet_id }),
            )
            .await;
        let user_id = r.data(201)["user"]["id"]
            .as_str()
            .expect("user.id")
            .to_string();
        let partner = self
            .create_partner(json!({ "name": format!("POS {tag}"), "type": "facilitator" }))
            .await;
        let partner_id = partner["id"].as_str().expect("partner.id").to_string();
        let notification_secret = partner["notification_secret"]
            .as_str()
            .expect("notification_secret")
            .to_string();
        let (client_id, client_secret) = self.create_client(&partner_id, FACILITATOR_SCOPES).await;
        let mut fx = Fixture {
            merchant_id,
            outlet_id: outlet_id.clone(),
            user_id,
            phone: normalised(&phone),
            partner_id,
            notification_secret,
            client_id,
            client_secret,
            external_outlet_id: format!("ext-{tag}"),
        };
        let ext = fx.external_outlet_id.clone();
        self.link(&fx, &outlet_id, "gofood", &ext).await;
        fx.external_outlet_id = ext;
        fx
    }

    /// Merchant, outlet, direct partner of that merchant and its client; no user, no link.
    pub async fn setup_direct(&self) -> Fixture {
        let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
        let merchant_id = self.create_merchant(&format!("Direct {tag}")).await;
        let outlet_id = self
            .create_outlet_id(&merchant_id, &format!("Direct outlet {tag}"))
            .await;
        let partner = self
            .create_partner(json!({ "name": format!("Direct {tag}"), "type": "direct", "merchant_id": merchant_id }))
            .await;
        let partner_id = partner["id"].as_str().expect("partner.id").to_string();
        let notification_secret = partner["notification_secret"]
            .as_str()
            .expect("notification_secret")
            .to_string();
        let (client_id, client_secret) = self.create_client(&partner_id, FACILITATOR_SCOPES).await;
        Fixture {
            merchant_id,
            outlet_id,
            user_id: String::new(),
            phone: String::new(),
            partner_id,
            notification_secret,
            client_id,
            client_secret,
            external_outlet_id: String::new(),
        }
    }

    pub async fn advance_clock(&self, seconds: i64) {
        let r = self
            .admin_post("/sandbox/v1/clock/advance", json!({ "seconds": seconds }))
            .await;
        r.data(200);
    }
}

async fn spawn_server(db_url: &str) -> (Child, String, Arc<Mutex<Vec<String>>>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gobiz"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            db_url,
            "--admin-token",
            ADMIN_TOKEN,
            "--mode",
            "sandbox",
        ])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
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
            if let Some(addr) = line.trim_end().strip_prefix("gobiz listening on http://") {
                return Some(addr.to_string());
            }
            seen.push(line);
        }
        None
    })
    .await;
    let addr = match found {
        Ok(Some(addr)) => addr,
        Ok(None) => {
            let status = child.wait().await;
            // Give the stderr drain a moment to catch up.
            tokio::time::sleep(Duration::from_millis(100)).await;
            panic!(
                "gobiz exited ({status:?}) before printing `gobiz listening on http://…`\n\
                 --- stdout ---\n{}\n--- stderr ---\n{}",
                seen.join("\n"),
                stderr_lines.lock().expect("stderr lock").join("\n")
            );
        }
        Err(_) => panic!(
            "gobiz did not print `gobiz listening on http://…` within {STARTUP_TIMEOUT:?}\n\
             --- stdout ---\n{}\n--- stderr ---\n{}",
            seen.join("\n"),
            stderr_lines.lock().expect("stderr lock").join("\n")
        ),
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, format!("http://{addr}"), stderr_lines)
}
