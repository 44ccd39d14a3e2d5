//! A webhook receiver for black-box notification tests: a tiny axum server on 127.0.0.1:0
//! that records every request and answers with a behaviour switchable per path. Also the
//! independent signature / idempotency-key computations and a few fixtures for §9.
//! Used as `crate::harness::receiver`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::harness::{Fixture, Resp, TestApp, FACILITATOR_SCOPES};

/// How the receiver answers on one path.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Answer at once with this status (and a tiny JSON body).
    Status(u16),
    /// Sleep, then answer with the status.
    Delay(Duration, u16),
    /// Answer with the status and `Location: <receiver base><path>`.
    Redirect(u16, String),
    /// Read the request, then close the connection without answering.
    Drop,
}

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// Path only (no query).
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header").to_string())
    }

    pub fn idempotency_key(&self) -> String {
        self.header("x-go-idempotency-key")
            .unwrap_or_else(|| panic!("no X-Go-Idempotency-Key on {:?}", self.headers))
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "webhook body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn event_id(&self) -> String {
        self.json()["header"]["event_id"]
            .as_str()
            .expect("header.event_id")
            .to_string()
    }

    pub fn body_str(&self) -> String {
        String::from_utf8(self.body.to_vec()).expect("UTF-8 body")
    }
}

#[derive(Default)]
struct Inner {
    behaviours: HashMap<String, Behaviour>,
    requests: Vec<Received>,
}

#[derive(Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    base: String,
}

/// The receiver; the server task lives as long as the test's runtime.
pub struct Receiver {
    pub base: String,
    shared: Shared,
    /// TLS handshakes that failed (an https receiver whose certificate the client refused).
    tls_failures: Arc<AtomicUsize>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let addr = listener.local_addr().expect("receiver addr");
        let (app, receiver) = Receiver::with_base(format!("http://{addr}"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        receiver
    }

    /// An https receiver on `https://127.0.0.1:<port>`, presenting a certificate that `ca`
    /// issued for 127.0.0.1 and localhost.
    pub async fn start_https(ca: &TestCa) -> Receiver {
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let addr = tcp.local_addr().expect("receiver addr");
        let (app, receiver) = Receiver::with_base(format!("https://{addr}"));
        let listener = TlsListener {
            tcp,
            acceptor: tokio_rustls::TlsAcceptor::from(ca.server_config.clone()),
            failures: receiver.tls_failures.clone(),
        };
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        receiver
    }

    fn with_base(base: String) -> (axum::Router, Receiver) {
        let shared = Shared {
            inner: Arc::new(Mutex::new(Inner::default())),
            base: base.clone(),
        };
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let receiver = Receiver {
            base,
            shared,
            tls_failures: Arc::new(AtomicUsize::new(0)),
        };
        (app, receiver)
    }

    /// TLS handshakes that failed so far (https receivers only).
    pub fn tls_failures(&self) -> usize {
        self.tls_failures.load(Ordering::SeqCst)
    }

    /// Absolute URL of `path` on this receiver.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sets the behaviour of `path` (default: `Status(200)`).
    pub fn set(&self, path: &str, b: Behaviour) {
        self.shared
            .inner
            .lock()
            .unwrap()
            .behaviours
            .insert(path.to_string(), b);
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Received> {
        self.shared.inner.lock().unwrap().requests.clone()
    }

    /// Requests to `path`, in arrival order.
    pub fn requests_to(&self, path: &str) -> Vec<Received> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// Waits until at least `n` requests arrived; panics with what arrived otherwise.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        self.wait_until(timeout, &format!("{n} requests"), |r| r.len() >= n)
            .await
    }

    /// Waits until at least `n` requests arrived on `path`.
    pub async fn wait_for_path(&self, path: &str, n: usize, timeout: Duration) -> Vec<Received> {
        let p = path.to_string();
        self.wait_until(timeout, &format!("{n} requests on {path}"), move |r| {
            r.iter().filter(|x| x.path == p).count() >= n
        })
        .await;
        self.requests_to(path)
    }

    /// Waits until `cond(all requests)` holds.
    pub async fn wait_until<F>(&self, timeout: Duration, what: &str, cond: F) -> Vec<Received>
    where
        F: Fn(&[Received]) -> bool,
    {
        let deadline = Instant::now() + timeout;
        loop {
            let r = self.requests();
            if cond(&r) {
                return r;
            }
            if Instant::now() >= deadline {
                let summary: Vec<String> = r
                    .iter()
                    .map(|x| format!("{} {}", x.method, x.path))
                    .collect();
                panic!(
                    "receiver: timed out after {timeout:?} waiting for {what}; got {} requests: {summary:?}",
                    r.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sleeps `d`, then asserts that no request arrived on `path` beyond `expected`.
    pub async fn assert_stays(&self, path: &str, expected: usize, d: Duration) {
        tokio::time::sleep(d).await;
        let n = self.requests_to(path).len();
        assert_eq!(
            n, expected,
            "receiver: {path} got {n} requests, expected exactly {expected}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// HTTPS receivers
// ---------------------------------------------------------------------------------------------

/// A throwaway certificate authority (generated per test), the CA certificate written to a
/// PEM file for `--webhook-ca-file`, and a server certificate it issued for 127.0.0.1 and
/// localhost.
pub struct TestCa {
    /// The CA certificate, PEM.
    pub ca_file: PathBuf,
    dir: PathBuf,
    server_config: Arc<tokio_rustls::rustls::ServerConfig>,
}

impl TestCa {
    pub fn new() -> TestCa {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        use tokio_rustls::rustls;
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "gobiz test CA");
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = Issuer::new(ca_params, ca_key);

        let key = KeyPair::generate().expect("server key");
        let mut params = CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()])
            .expect("server params");
        params
            .distinguished_name
            .push(DnType::CommonName, "gobiz test receiver");
        let cert = params.signed_by(&key, &issuer).expect("server certificate");

        let dir =
            std::env::temp_dir().join(format!("gobiz-test-ca-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("CA folder");
        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, ca_cert.pem()).expect("write CA file");

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server_config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .expect("server TLS config");
        TestCa {
            ca_file,
            dir,
            server_config: Arc::new(server_config),
        }
    }

    /// The CA file's path as a string (for an environment variable).
    pub fn ca_path(&self) -> String {
        self.ca_file.display().to_string()
    }
}

impl Drop for TestCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A TCP listener that completes the TLS handshake before handing a connection to axum;
/// failed handshakes are counted.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    failures: Arc<AtomicUsize>,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            match tokio::time::timeout(Duration::from_secs(5), self.acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => return (tls, addr),
                _ => {
                    self.failures.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

async fn handle(
    State(s): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let behaviour = {
        let mut inner = s.inner.lock().unwrap();
        inner.requests.push(Received {
            method: method.to_string(),
            path: path.clone(),
            headers,
            body,
            at: Instant::now(),
        });
        inner
            .behaviours
            .get(&path)
            .cloned()
            .unwrap_or(Behaviour::Status(200))
    };
    match behaviour {
        Behaviour::Status(code) => status_response(code),
        Behaviour::Delay(d, code) => {
            tokio::time::sleep(d).await;
            status_response(code)
        }
        Behaviour::Redirect(code, to) => {
            let mut r = status_response(code);
            r.headers_mut().insert(
                "location",
                format!("{}{}", s.base, to).parse().expect("location"),
            );
            r
        }
        // Unwinding ends the connection task: the socket is closed without an answer.
        // `resume_unwind` skips the panic hook, so nothing is printed.
        Behaviour::Drop => std::panic::resume_unwind(Box::new("receiver: drop connection")),
    }
}

fn status_response(code: u16) -> Response {
    let status = StatusCode::from_u16(code).expect("valid status");
    (
        status,
        [("content-type", "application/json")],
        json!({ "received": true }).to_string(),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Independent computations (spec §9.7)
// ---------------------------------------------------------------------------------------------

fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("hmac key");
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}

/// Lower-case hex HMAC-SHA256 of `body` keyed with the secret's ASCII text.
pub fn go_signature(secret: &str, body: &[u8]) -> String {
    hex::encode(hmac_sha256(secret.as_bytes(), body))
}

/// `v1,` + base64 HMAC-SHA256 over `{id}.{timestamp}.{body}` (Standard Webhooks).
pub fn standard_signature(secret: &str, id: &str, ts: &str, body: &[u8]) -> String {
    use base64::Engine;
    let mut msg = format!("{id}.{ts}.").into_bytes();
    msg.extend_from_slice(body);
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(hmac_sha256(secret.as_bytes(), &msg))
    )
}

/// UUIDv5(namespace = event_id, name = subscription id).
pub fn idempotency_key(event_id: &str, subscription_id: &str) -> String {
    let ns = uuid::Uuid::parse_str(event_id).expect("event_id is a UUID");
    uuid::Uuid::new_v5(&ns, subscription_id.as_bytes()).to_string()
}

// ---------------------------------------------------------------------------------------------
// API helpers
// ---------------------------------------------------------------------------------------------

pub const SUBS: &str = "/integrations/partner/v1/notification-subscriptions";

pub fn outlet_subs(outlet_id: &str) -> String {
    format!("/integrations/partner/outlets/{outlet_id}/v1/notification-subscriptions")
}

/// An order-event body whose entity id is `order_number`.
pub fn order_body(order_number: &str, outlet_id: &str) -> Value {
    json!({ "service_type": "gofood",
            "order": { "order_number": order_number, "status": "AWAITING_MERCHANT_ACCEPTANCE" },
            "outlet": { "id": outlet_id } })
}

/// A random `F-` + 9 digits order number.
pub fn order_number() -> String {
    format!("F-{:09}", uuid::Uuid::new_v4().as_u128() % 1_000_000_000)
}

/// A token of `fx`'s client with the scopes subscriptions and order events need:
/// `gofood:order:read partner:outlet:read partner:outlet:write`.
pub async fn order_token(app: &TestApp, fx: &Fixture) -> String {
    app.access_token(
        &fx.client_id,
        &fx.client_secret,
        "gofood:order:read partner:outlet:read partner:outlet:write",
    )
    .await
}

/// `POST {"event", "url"}` on `path` (general or outlet subscriptions): the response.
pub async fn post_subscription(
    app: &TestApp,
    tok: &str,
    path: &str,
    event: &str,
    url: &str,
) -> Resp {
    app.api_send(
        reqwest::Method::POST,
        path,
        tok,
        Some(json!({ "event": event, "url": url })),
    )
    .await
}

/// `POST` a subscription on `path` (general or outlet); returns the subscription object.
pub async fn subscribe_at(app: &TestApp, tok: &str, path: &str, event: &str, url: &str) -> Value {
    let r = post_subscription(app, tok, path, event, url).await;
    r.data(201)["subscription"].clone()
}

/// A general subscription; returns its id.
pub async fn subscribe(app: &TestApp, tok: &str, event: &str, url: &str) -> String {
    subscribe_at(app, tok, SUBS, event, url).await["id"]
        .as_str()
        .expect("subscription.id")
        .to_string()
}

/// `POST /sandbox/v1/events`; returns `data.event`.
pub async fn emit(app: &TestApp, event: &str, outlet_id: &str, body: Option<Value>) -> Value {
    let mut req = json!({ "event": event, "outlet_id": outlet_id });
    if let Some(b) = body {
        req["body"] = b;
    }
    let r = app.admin_post("/sandbox/v1/events", req).await;
    r.data(201)["event"].clone()
}

/// `POST /sandbox/v1/events` for `gofood.order.merchant_accepted` with an [`order_body`];
/// asserts `deliveries == expected` and returns the event id.
pub async fn emit_order(
    app: &TestApp,
    outlet_id: &str,
    order_number: &str,
    expected_deliveries: u64,
) -> String {
    let ev = emit(
        app,
        "gofood.order.merchant_accepted",
        outlet_id,
        Some(order_body(order_number, outlet_id)),
    )
    .await;
    assert_eq!(
        ev["deliveries"],
        json!(expected_deliveries),
        "deliveries created for the event: {ev}"
    );
    assert_eq!(ev["event"], json!("gofood.order.merchant_accepted"));
    assert_eq!(ev["outlet_id"], json!(outlet_id));
    ev["event_id"].as_str().expect("event.event_id").to_string()
}

/// `GET /sandbox/v1/deliveries?{query}` → `data.deliveries`.
pub async fn deliveries(app: &TestApp, query: &str) -> Vec<Value> {
    let r = app
        .admin_get(&format!("/sandbox/v1/deliveries?{query}"))
        .await;
    r.data(200)["deliveries"]
        .as_array()
        .unwrap_or_else(|| panic!("deliveries array: {}", r.text))
        .clone()
}

/// The single delivery of `subscription_id`.
pub async fn delivery_of(app: &TestApp, subscription_id: &str) -> Value {
    let d = deliveries(app, &format!("subscription_id={subscription_id}")).await;
    assert_eq!(d.len(), 1, "one delivery for {subscription_id}: {d:?}");
    d[0].clone()
}

/// Polls `GET /sandbox/v1/deliveries/{id}` until `delivery_status` is `status`.
pub async fn wait_status(
    app: &TestApp,
    delivery_id: &str,
    status: &str,
    timeout: Duration,
) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        let r = app
            .admin_get(&format!("/sandbox/v1/deliveries/{delivery_id}"))
            .await;
        let d = r.data(200)["delivery"].clone();
        if d["delivery_status"] == json!(status) {
            return d;
        }
        if Instant::now() >= deadline {
            panic!("delivery {delivery_id} did not become {status} within {timeout:?}: {d}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Like `setup_facilitator`, with extra fields for `POST /sandbox/v1/partners`
/// (e.g. `{"standard_webhooks": true}`).
pub async fn setup_facilitator_with(app: &TestApp, partner_extra: Value) -> Fixture {
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let merchant_id = app.create_merchant(&format!("Warung {tag}")).await;
    let outlet_id = app
        .create_outlet_id(&merchant_id, &format!("Outlet {tag}"))
        .await;
    let (user_id, phone) = app
        .create_user(&[(merchant_id.as_str(), "owner")], Some(&outlet_id))
        .await;
    let mut body = json!({ "name": format!("POS {tag}"), "type": "facilitator" });
    for (k, v) in partner_extra.as_object().expect("object").iter() {
        body[k] = v.clone();
    }
    let partner = app.create_partner(body).await;
    let partner_id = partner["id"].as_str().expect("partner.id").to_string();
    let notification_secret = partner["notification_secret"]
        .as_str()
        .expect("notification_secret")
        .to_string();
    let (client_id, client_secret) = app.create_client(&partner_id, FACILITATOR_SCOPES).await;
    let fx = Fixture {
        merchant_id,
        outlet_id: outlet_id.clone(),
        user_id,
        phone: crate::harness::normalised(&phone),
        partner_id,
        notification_secret,
        client_id,
        client_secret,
        external_outlet_id: format!("ext-{tag}"),
    };
    app.link(&fx, &outlet_id, "gofood", &fx.external_outlet_id)
        .await;
    fx
}

/// Compares what a delivery record says was sent with what the receiver got.
pub fn assert_record_matches(record: &Value, got: &Received) {
    let headers = record["headers"]
        .as_object()
        .unwrap_or_else(|| panic!("delivery.headers object: {record}"));
    for name in [
        "X-Go-Signature",
        "X-Go-Idempotency-Key",
        "Content-Type",
        "Accept",
        "User-Agent",
    ] {
        assert_eq!(
            headers.get(name).and_then(Value::as_str),
            got.header(name).as_deref(),
            "delivery.headers.{name} vs the header received; record: {record}"
        );
    }
    assert_eq!(
        record["payload"].as_str(),
        Some(got.body_str().as_str()),
        "delivery.payload must be the exact body sent"
    );
}
