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

/// How long a started `gobiz` may take to say it is ready.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

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

/// `$name::sqlite` and `$name::postgres`, each calling `$run(db_url)` (an async fn taking the
/// database URL as a `String`), for tests that start servers themselves.
#[allow(unused_macros)]
macro_rules! on_both_dbs {
    ($name:ident, $run:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let db = $crate::common::TestDb::sqlite();
                ($run)(db.url.clone()).await;
                db.cleanup().await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(db) = $crate::common::TestDb::postgres().await else {
                    return;
                };
                ($run)(db.url.clone()).await;
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

/// 401 row 1 of §1.6 with its `WWW-Authenticate` header: `Bearer realm="GoBiz"` when no
/// bearer token was sent, else `Bearer error="invalid_token"` with the reason as
/// `error_description`.
pub fn assert_session_expired(r: &Resp) {
    assert_error(
        r,
        401,
        "Session Expired",
        "Your session is expired. Please login again.",
    );
    let challenge = r.header("www-authenticate").unwrap_or_default();
    let known = ["unknown token", "token expired", "token revoked"]
        .iter()
        .any(|why| {
            challenge == format!("Bearer error=\"invalid_token\", error_description=\"{why}\"")
        });
    assert!(
        known
            || challenge == "Bearer realm=\"GoBiz\""
            || challenge == "Bearer error=\"invalid_token\"",
        "WWW-Authenticate on a 401: {challenge:?}"
    );
}

/// [`assert_session_expired`] for one reason: `missing token`, `unknown token`,
/// `token expired` or `token revoked`.
pub fn assert_session_expired_because(r: &Resp, reason: &str) {
    assert_session_expired(r);
    let expected = if reason == "missing token" {
        "Bearer realm=\"GoBiz\"".to_string()
    } else {
        format!("Bearer error=\"invalid_token\", error_description=\"{reason}\"")
    };
    assert_eq!(
        r.header("www-authenticate").as_deref(),
        Some(expected.as_str()),
        "WWW-Authenticate for {reason}"
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
    /// Extra environment for the server process, kept across [`TestApp::restart`].
    env: Vec<(String, String)>,
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
        TestApp::start_with_env(db_url, &[]).await
    }

    /// Like [`TestApp::start`], with extra environment variables for the server process.
    pub async fn start_with_env(db_url: &str, env: &[(&str, &str)]) -> TestApp {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .expect("build reqwest client");
        let (child, base, stderr) = spawn_server(db_url, &env).await;
        TestApp {
            base,
            client,
            db_url: db_url.to_string(),
            child,
            stderr,
            env,
        }
    }

    /// Kills the server (SIGKILL) and starts a new one on the same database (new port).
    pub async fn restart(&mut self) {
        self.child.start_kill().expect("kill server");
        let _ = self.child.wait().await;
        let (child, base, stderr) = spawn_server(&self.db_url, &self.env).await;
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

async fn spawn_server(
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

// ---------------------------------------------------------------------------------------------
// GoAuth: authorization-code flow through the HTML login and consent pages (spec §2.4, §2.5)
// ---------------------------------------------------------------------------------------------

/// The redirect URI registered for clients made by [`TestApp::create_ac_client`].
pub const REDIRECT_URI: &str = "http://localhost:9999/cb";

/// Every scope a facilitator client gets by default (spec §2.2).
pub const FACILITATOR_AC_SCOPES: &[&str] = &[
    "openid",
    "offline",
    "partner:outlet:read",
    "partner:outlet:write",
    "gofood:catalog:read",
    "gofood:catalog:write",
    "gofood:order:read",
    "gofood:order:write",
    "gofood:outlet:write",
];

/// The `state` used by [`TestApp::login_and_consent`] unless overridden.
pub const DEFAULT_STATE: &str = "state-0123456789";

/// One login flow as seen by the browser: the flow id and the `gobiz_login` cookie
/// (`name=value`, ready for a `Cookie` header).
#[derive(Debug, Clone)]
pub struct LoginFlow {
    pub flow_id: String,
    pub cookie: String,
}

/// `08…`, `628…` or `+628…` → `+628…`.
pub fn normalise_any(phone: &str) -> String {
    if let Some(rest) = phone.strip_prefix("+62") {
        format!("+62{rest}")
    } else if let Some(rest) = phone.strip_prefix("62") {
        format!("+62{rest}")
    } else if let Some(rest) = phone.strip_prefix('0') {
        format!("+62{rest}")
    } else {
        phone.to_string()
    }
}

/// A PKCE pair `(verifier, S256 challenge)`.
pub fn pkce_pair() -> (String, String) {
    use base64::Engine;
    use sha2::Digest;
    let verifier = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// Decodes the few entities an HTML attribute value may carry.
pub fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `name`/`value` of every `<input>` (and `<button>`) tag of `html`, in order.
pub fn inputs(html: &str) -> Vec<(String, String)> {
    let tag = regex::Regex::new(r"(?is)<(?:input|button)\b[^>]*>").unwrap();
    let name = regex::Regex::new(r#"(?is)\bname\s*=\s*["']([^"']*)["']"#).unwrap();
    let value = regex::Regex::new(r#"(?is)\bvalue\s*=\s*["']([^"']*)["']"#).unwrap();
    tag.find_iter(html)
        .filter_map(|m| {
            let t = m.as_str();
            let n = name.captures(t)?.get(1)?.as_str().to_string();
            let v = value
                .captures(t)
                .and_then(|c| c.get(1))
                .map(|v| html_unescape(v.as_str()))
                .unwrap_or_default();
            Some((n, v))
        })
        .collect()
}

/// The inner HTML of the (first) `<form>` whose `action` is `action`; panics with the page.
pub fn form_html<'a>(html: &'a str, action: &str) -> &'a str {
    let re = regex::Regex::new(r"(?is)<form\b([^>]*)>(.*?)</form>").unwrap();
    let act = regex::Regex::new(r#"(?is)\baction\s*=\s*["']([^"']*)["']"#).unwrap();
    for c in re.captures_iter(html) {
        let attrs = c.get(1).unwrap().as_str();
        let a = act
            .captures(attrs)
            .map(|a| html_unescape(a.get(1).unwrap().as_str()))
            .unwrap_or_default();
        if a == action {
            return c.get(2).unwrap().as_str();
        }
    }
    panic!("no <form action=\"{action}\"> on the page:\n{html}");
}

/// The value of the input `name` inside the form posting to `action`; panics when absent.
pub fn form_input(html: &str, action: &str, name: &str) -> String {
    let form = form_html(html, action);
    inputs(form)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no input `{name}` in form `{action}`:\n{html}"))
}

/// `Location` as a path (+ query) on this server: absolute URLs on `base` are cut down.
pub fn location_path(base: &str, r: &Resp) -> String {
    let loc = r
        .header("location")
        .unwrap_or_else(|| panic!("no Location header (status {}): {}", r.status, r.text));
    match loc.strip_prefix(base) {
        Some(rest) => rest.to_string(),
        None => loc,
    }
}

/// The query parameters of an absolute URL (e.g. a callback `Location`).
pub fn query_params(url: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(url)
        .unwrap_or_else(|e| panic!("not an absolute URL {url:?}: {e}"))
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Asserts a `302` to `redirect_uri` (before its query) and returns the query parameters.
pub fn assert_callback(r: &Resp, redirect_uri: &str) -> std::collections::HashMap<String, String> {
    assert_eq!(
        r.status, 302,
        "expected a redirect to the client; body: {}",
        r.text
    );
    let loc = r.header("location").expect("Location header");
    let plain = redirect_uri.split('?').next().unwrap();
    assert!(
        loc.starts_with(&format!("{plain}?")),
        "Location {loc:?} does not go to {redirect_uri}"
    );
    query_params(&loc)
}

/// Asserts a `302` to `redirect_uri` with `error` and the given `state`.
pub fn assert_callback_error(r: &Resp, redirect_uri: &str, error: &str, state: &str) {
    let q = assert_callback(r, redirect_uri);
    assert_eq!(
        q.get("error").map(String::as_str),
        Some(error),
        "error in {q:?}"
    );
    assert!(
        q.get("error_description").is_some_and(|d| !d.is_empty()),
        "error_description in {q:?}"
    );
    assert_eq!(
        q.get("state").map(String::as_str),
        Some(state),
        "state in {q:?}"
    );
    assert!(!q.contains_key("code"), "no code on errors: {q:?}");
}

pub fn assert_html(r: &Resp) {
    let ct = r.header("content-type").unwrap_or_default();
    assert!(
        ct.starts_with("text/html"),
        "expected an HTML page, got {ct:?} (status {}): {}",
        r.status,
        r.text
    );
}

impl TestApp {
    /// A client of `partner_id` for every grant and [`FACILITATOR_AC_SCOPES`], registered
    /// with `redirect_uris`; returns `(client_id, client_secret)`.
    pub async fn create_ac_client(
        &self,
        partner_id: &str,
        redirect_uris: &[&str],
    ) -> (String, String) {
        let r = self
            .admin_post(
                &format!("/sandbox/v1/partners/{partner_id}/clients"),
                json!({ "redirect_uris": redirect_uris, "allowed_scopes": FACILITATOR_AC_SCOPES,
                        "allowed_grants": ["client_credentials", "authorization_code", "refresh_token"],
                        "public": false, "require_pkce": false }),
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

    /// A merchant user with `roles` (`(merchant_id, role)`); returns `(user_id, local phone)`.
    pub async fn create_user(
        &self,
        roles: &[(&str, &str)],
        primary_outlet_id: Option<&str>,
    ) -> (String, String) {
        let phone = random_phone_local();
        let roles: Vec<Value> = roles
            .iter()
            .map(|(m, r)| json!({ "merchant_id": m, "role": r }))
            .collect();
        let mut body = json!({ "phone": phone, "name": "Test User", "roles": roles });
        if let Some(o) = primary_outlet_id {
            body["primary_outlet_id"] = json!(o);
        }
        let r = self.admin_post("/sandbox/v1/users", body).await;
        let id = r.data(201)["user"]["id"]
            .as_str()
            .expect("user.id")
            .to_string();
        (id, phone)
    }

    /// `GET /sandbox/v1/otp?phone=` (phone in any form; sent normalised).
    pub async fn otp_resp(&self, phone: &str) -> Resp {
        let enc: String =
            url::form_urlencoded::byte_serialize(normalise_any(phone).as_bytes()).collect();
        self.admin_get(&format!("/sandbox/v1/otp?phone={enc}"))
            .await
    }

    /// The live OTP for `phone`, asserting its shape.
    pub async fn otp_code(&self, phone: &str) -> String {
        let r = self.otp_resp(phone).await;
        let otp = &r.data(200)["otp"];
        assert_eq!(
            otp["phone"],
            json!(normalise_any(phone)),
            "otp.phone: {otp}"
        );
        let code = otp["code"].as_str().expect("otp.code").to_string();
        assert!(
            code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
            "OTP must be 6 digits: {code}"
        );
        code
    }

    /// `GET /oauth2/auth` with `params` (query-encoded).
    pub async fn authorize(&self, params: &[(&str, &str)]) -> Resp {
        self.send(self.request(Method::GET, "/oauth2/auth").query(params))
            .await
    }

    /// A browser GET on this server (path or absolute URL), sending the flow cookie if any.
    pub async fn browser_get(&self, flow: Option<&LoginFlow>, path_or_url: &str) -> Resp {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_string()
        } else {
            self.url(path_or_url)
        };
        let mut rb = self.client.get(url);
        if let Some(f) = flow {
            rb = rb.header("cookie", &f.cookie);
        }
        self.send(rb).await
    }

    /// A browser form POST, sending `cookie` (`name=value`) if any.
    pub async fn browser_post(
        &self,
        cookie: Option<&str>,
        path: &str,
        form: &[(&str, &str)],
    ) -> Resp {
        let mut rb = self.request(Method::POST, path).form(form);
        if let Some(c) = cookie {
            rb = rb.header("cookie", c);
        }
        self.send(rb).await
    }

    /// Follows `GET {authorize}` (path+query or absolute URL) to the login page: asserts the
    /// 302 to `/merchant/login?flow=…` and the `gobiz_login` cookie attributes.
    pub async fn start_flow(&self, authorize_url: &str) -> LoginFlow {
        let r = self.browser_get(None, authorize_url).await;
        assert_eq!(r.status, 302, "authorize: {} {:?}", r.text, r.headers);
        let loc = location_path(&self.base, &r);
        let flow_id = loc
            .strip_prefix("/merchant/login?flow=")
            .unwrap_or_else(|| panic!("authorize must redirect to the login page, got {loc}"))
            .to_string();
        assert!(
            !flow_id.is_empty() && !flow_id.contains('&'),
            "flow id in {loc}"
        );
        let set_cookie = r
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("gobiz_login="))
            .unwrap_or_else(|| panic!("no gobiz_login cookie: {:?}", r.headers));
        let lower = set_cookie.to_ascii_lowercase();
        assert!(lower.contains("httponly"), "cookie HttpOnly: {set_cookie}");
        assert!(
            lower.contains("samesite=lax"),
            "cookie SameSite=Lax: {set_cookie}"
        );
        assert!(lower.contains("path=/"), "cookie Path=/: {set_cookie}");
        let cookie = set_cookie.split(';').next().unwrap().trim().to_string();
        LoginFlow { flow_id, cookie }
    }

    /// The current page of the login flow (`GET /merchant/login?flow=`), asserting 200 HTML.
    pub async fn login_page(&self, flow: &LoginFlow) -> String {
        let r = self
            .browser_get(
                Some(flow),
                &format!("/merchant/login?flow={}", flow.flow_id),
            )
            .await;
        assert_eq!(r.status, 200, "login page: {}", r.text);
        assert_html(&r);
        r.text
    }

    /// Posts the form `action` of `page` with its hidden `flow` / `csrf_token` plus `extra`.
    pub async fn submit(
        &self,
        flow: &LoginFlow,
        page: &str,
        action: &str,
        extra: &[(&str, &str)],
    ) -> Resp {
        let f = form_input(page, action, "flow");
        assert_eq!(f, flow.flow_id, "hidden flow input of {action}");
        let csrf = form_input(page, action, "csrf_token");
        assert!(!csrf.is_empty(), "csrf_token of {action} is empty");
        let mut form = vec![("flow", f.as_str()), ("csrf_token", csrf.as_str())];
        form.extend_from_slice(extra);
        self.browser_post(Some(&flow.cookie), action, &form).await
    }

    /// Phone step: submits `phone`, asserts the 303 back to the flow and returns the OTP page.
    pub async fn submit_phone(&self, flow: &LoginFlow, phone: &str) -> String {
        let page = self.login_page(flow).await;
        let r = self
            .submit(flow, &page, "/merchant/login", &[("phone", phone)])
            .await;
        assert_eq!(r.status, 303, "phone step: {}", r.text);
        assert_eq!(
            location_path(&self.base, &r),
            format!("/merchant/login?flow={}", flow.flow_id)
        );
        let page = self.login_page(flow).await;
        form_html(&page, "/merchant/login/otp");
        form_html(&page, "/merchant/login/resend");
        page
    }

    /// OTP step with `otp` on `page`; returns the raw response.
    pub async fn submit_otp(&self, flow: &LoginFlow, page: &str, otp: &str) -> Resp {
        self.submit(flow, page, "/merchant/login/otp", &[("otp", otp)])
            .await
    }

    /// Drives `authorize_url` through phone and OTP; returns the flow and the consent page.
    pub async fn login_to_consent(&self, authorize_url: &str, phone: &str) -> (LoginFlow, String) {
        let flow = self.start_flow(authorize_url).await;
        let page = self.submit_phone(&flow, phone).await;
        let code = self.otp_code(phone).await;
        let r = self.submit_otp(&flow, &page, &code).await;
        assert_eq!(r.status, 303, "OTP step: {}", r.text);
        assert_eq!(
            location_path(&self.base, &r),
            format!("/merchant/consent?flow={}", flow.flow_id)
        );
        let page = self.consent_page(&flow).await;
        (flow, page)
    }

    pub async fn consent_page(&self, flow: &LoginFlow) -> String {
        let r = self
            .browser_get(
                Some(flow),
                &format!("/merchant/consent?flow={}", flow.flow_id),
            )
            .await;
        assert_eq!(r.status, 200, "consent page: {}", r.text);
        assert_html(&r);
        r.text
    }

    /// Posts the consent form with `decision` (`allow` / `deny`).
    pub async fn decide(&self, flow: &LoginFlow, page: &str, decision: &str) -> Resp {
        self.submit(flow, page, "/merchant/consent", &[("decision", decision)])
            .await
    }

    /// `/oauth2/auth?…` for `client_id`: `response_type=code`, `redirect_uri`, `scope`,
    /// `state` [`DEFAULT_STATE`], `ui_locales=en`; `extra` adds or overrides parameters.
    pub fn authorize_path(
        &self,
        client_id: &str,
        redirect_uri: &str,
        scope: &str,
        extra: &[(&str, &str)],
    ) -> String {
        let mut params: Vec<(String, String)> = vec![
            ("response_type".into(), "code".into()),
            ("client_id".into(), client_id.into()),
            ("redirect_uri".into(), redirect_uri.into()),
            ("scope".into(), scope.into()),
            ("state".into(), DEFAULT_STATE.into()),
            ("ui_locales".into(), "en".into()),
        ];
        for (k, v) in extra {
            match params.iter_mut().find(|(pk, _)| pk == k) {
                Some(p) => p.1 = v.to_string(),
                None => params.push((k.to_string(), v.to_string())),
            }
        }
        let q = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        format!("/oauth2/auth?{q}")
    }

    /// The whole browser part: authorize, phone, OTP, Allow. Returns the code (after checking
    /// the callback's `state`).
    pub async fn login_and_consent(
        &self,
        client_id: &str,
        redirect_uri: &str,
        scope: &str,
        user_phone: &str,
        extra_params: &[(&str, &str)],
    ) -> String {
        let path = self.authorize_path(client_id, redirect_uri, scope, extra_params);
        let state = extra_params
            .iter()
            .find(|(k, _)| *k == "state")
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(|| DEFAULT_STATE.to_string());
        let (flow, page) = self.login_to_consent(&path, user_phone).await;
        let r = self.decide(&flow, &page, "allow").await;
        let q = assert_callback(&r, redirect_uri);
        assert_eq!(q.get("state"), Some(&state), "callback state: {q:?}");
        let code = q.get("code").expect("code in callback").clone();
        assert!(code.starts_with("gbz_ac_"), "code prefix: {code}");
        code
    }

    /// `grant_type=authorization_code` with `client_secret_basic`.
    pub async fn exchange_code(
        &self,
        client_id: &str,
        secret: &str,
        code: &str,
        redirect_uri: &str,
        code_verifier: Option<&str>,
    ) -> Resp {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
        ];
        if let Some(v) = code_verifier {
            form.push(("code_verifier", v));
        }
        self.send(
            self.request(Method::POST, "/oauth2/token")
                .basic_auth(client_id, Some(secret))
                .form(&form),
        )
        .await
    }

    /// `grant_type=refresh_token` with `client_secret_basic`.
    pub async fn refresh(
        &self,
        client_id: &str,
        secret: &str,
        refresh_token: &str,
        scope: Option<&str>,
    ) -> Resp {
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
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

    /// Login, consent and code exchange for `user_phone`; returns the token response JSON.
    pub async fn user_tokens(
        &self,
        client_id: &str,
        secret: &str,
        scope: &str,
        user_phone: &str,
    ) -> Value {
        let code = self
            .login_and_consent(client_id, REDIRECT_URI, scope, user_phone, &[])
            .await;
        let r = self
            .exchange_code(client_id, secret, &code, REDIRECT_URI, None)
            .await;
        assert_eq!(r.status, 200, "code exchange: {}", r.text);
        r.json
    }

    /// A user access token (see [`TestApp::user_tokens`]).
    pub async fn user_token(
        &self,
        client_id: &str,
        secret: &str,
        scope: &str,
        user_phone: &str,
    ) -> String {
        self.user_tokens(client_id, secret, scope, user_phone).await["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    /// `POST /oauth2/introspect` with `client_secret_basic`.
    pub async fn introspect(&self, client_id: &str, secret: &str, token: &str) -> Resp {
        self.send(
            self.request(Method::POST, "/oauth2/introspect")
                .basic_auth(client_id, Some(secret))
                .form(&[("token", token)]),
        )
        .await
    }

    /// `POST /oauth2/revoke` with `client_secret_basic`.
    pub async fn revoke(&self, client_id: &str, secret: &str, token: &str) -> Resp {
        self.send(
            self.request(Method::POST, "/oauth2/revoke")
                .basic_auth(client_id, Some(secret))
                .form(&[("token", token)]),
        )
        .await
    }

    /// An API call with a JSON body.
    pub async fn api_send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Resp {
        let mut rb = self.request(method, path).bearer_auth(token);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        self.send(rb).await
    }
}

/// `(year, month, day)` of a day number (days since 1970-01-01), proleptic Gregorian.
pub fn civil_date(days: i64) -> (i64, i64, i64) {
    let (y, m, d) = gobiz_domain::local_time::civil_from_days(days);
    (y, i64::from(m), i64::from(d))
}

/// A 403 for a missing scope (spec §1.6 row 2), with its `WWW-Authenticate` header.
pub fn assert_missing_scope(r: &Resp, scope: &str) {
    assert_error(
        r,
        403,
        "Forbidden",
        &format!("Missing required scope: {scope}"),
    );
    assert_eq!(
        r.header("www-authenticate").as_deref(),
        Some(format!("Bearer error=\"insufficient_scope\", scope=\"{scope}\"").as_str()),
        "WWW-Authenticate on a missing-scope 403"
    );
}

/// Epoch milliseconds of an RFC 3339 timestamp with `Z` or a `±HH:MM` offset.
pub fn epoch_ms(s: &str) -> i64 {
    let (date, rest) = s
        .split_once('T')
        .unwrap_or_else(|| panic!("T in timestamp {s}"));
    let (clock, offset_min) = if let Some(c) = rest.strip_suffix('Z') {
        (c, 0)
    } else {
        let i = rest
            .rfind(['+', '-'])
            .unwrap_or_else(|| panic!("offset in timestamp {s}"));
        let (c, off) = rest.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let (oh, om) = off[1..]
            .split_once(':')
            .unwrap_or_else(|| panic!("offset in timestamp {s}"));
        (
            c,
            sign * (oh.parse::<i64>().unwrap() * 60 + om.parse::<i64>().unwrap()),
        )
    };
    let mut d = date.split('-').map(|x| x.parse::<i64>().unwrap());
    let (y, m, day) = (d.next().unwrap(), d.next().unwrap(), d.next().unwrap());
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, "0"));
    let mut t = hms.split(':').map(|x| x.parse::<i64>().unwrap());
    let (h, mi, sec) = (t.next().unwrap(), t.next().unwrap(), t.next().unwrap());
    let ms: i64 = format!("{frac:0<3}")[..3].parse().unwrap();
    let days = gobiz_domain::local_time::days_from_civil(
        y,
        u8::try_from(m).unwrap_or_else(|_| panic!("month in timestamp {s}")),
        u8::try_from(day).unwrap_or_else(|_| panic!("day in timestamp {s}")),
    );
    (days * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60) * 1000 + ms
}
