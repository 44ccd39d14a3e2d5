//! One delivery attempt: sign, POST, follow 307/308 (at most five), classify the answer.

use crate::sign::{go_signature, standard_signature};
use crate::url_guard;
use gobiz_domain::webhook::{Outcome, MAX_REDIRECTS};
use std::collections::BTreeMap;
use std::time::Duration;

/// What a delivery needs to be sent.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    /// Receiver URL.
    pub url: &'a str,
    /// Exact body bytes.
    pub body: &'a str,
    /// Partner notification secret.
    pub secret: &'a str,
    /// `X-Go-Idempotency-Key`.
    pub idempotency_key: &'a str,
    /// Add Standard Webhooks headers.
    pub standard_webhooks: bool,
    /// Unix seconds of the attempt (for `webhook-timestamp`).
    pub now_secs: i64,
}

/// The outcome and the headers that were sent.
#[derive(Debug, Clone)]
pub struct Sent {
    /// What happened.
    pub outcome: Outcome,
    /// Exact headers sent, as shown in troubleshooting.
    pub headers: BTreeMap<String, String>,
}

/// Sends webhook requests. Cheap to clone.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    production: bool,
    user_agent: String,
}

impl Sender {
    /// A sender with a per-request timeout; `production` turns on the URL guard.
    pub fn new(timeout: Duration, production: bool) -> Sender {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .pool_max_idle_per_host(64);
        if production {
            // Connect only to addresses that pass the guard (no DNS-rebinding window).
            builder = builder.dns_resolver(std::sync::Arc::new(url_guard::GuardedResolver));
        }
        let client = builder.build().unwrap_or_else(|_| reqwest::Client::new());
        Sender {
            client,
            production,
            user_agent: format!("gobiz-webhooks/{}", env!("CARGO_PKG_VERSION")),
        }
    }

    /// The headers of a delivery.
    pub fn headers(&self, o: &Outgoing<'_>) -> BTreeMap<String, String> {
        let mut h = BTreeMap::new();
        h.insert("Content-Type".to_string(), "application/json".to_string());
        h.insert("Accept".to_string(), "application/json".to_string());
        h.insert(
            "X-Go-Signature".to_string(),
            go_signature(o.secret, o.body.as_bytes()),
        );
        h.insert(
            "X-Go-Idempotency-Key".to_string(),
            o.idempotency_key.to_string(),
        );
        h.insert("User-Agent".to_string(), self.user_agent.clone());
        if o.standard_webhooks {
            h.insert("webhook-id".to_string(), o.idempotency_key.to_string());
            h.insert("webhook-timestamp".to_string(), o.now_secs.to_string());
            h.insert(
                "webhook-signature".to_string(),
                standard_signature(o.secret, o.idempotency_key, o.now_secs, o.body.as_bytes()),
            );
        }
        h
    }

    /// One attempt, following up to five 307/308 redirects with the same body and headers.
    pub async fn attempt(&self, o: &Outgoing<'_>) -> Sent {
        let headers = self.headers(o);
        let mut target = o.url.to_string();
        let mut redirects = 0usize;
        let outcome = loop {
            if url_guard::check(&target, self.production).await.is_err() {
                break Outcome::Blocked;
            }
            let mut req = self.client.post(&target).body(o.body.to_string());
            for (k, v) in &headers {
                req = req.header(k.as_str(), v.as_str());
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) if e.is_timeout() => break Outcome::Timeout,
                Err(e) if url_guard::is_forbidden_resolution(&e) => break Outcome::Blocked,
                Err(e) => break Outcome::ConnectFailed(short_reason(&e)),
            };
            let status = resp.status().as_u16();
            let location = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(String::from);
            // Drain a little of the body so the connection can be reused; ignore errors.
            let _ = tokio::time::timeout(Duration::from_millis(200), resp.bytes()).await;
            match status {
                200..=299 => break Outcome::Delivered(status),
                301..=303 => break Outcome::RedirectNotFollowed(status),
                307 | 308 => {
                    redirects += 1;
                    let next = location.and_then(|l| url::Url::parse(&target).ok()?.join(&l).ok());
                    match next {
                        Some(n) if redirects <= MAX_REDIRECTS => target = n.to_string(),
                        Some(_) => break Outcome::TooManyRedirects,
                        None => break Outcome::Status(status),
                    }
                }
                _ => break Outcome::Status(status),
            }
        };
        Sent { outcome, headers }
    }
}

fn short_reason(e: &reqwest::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    let mut last = e.to_string();
    while let Some(s) = source {
        last = s.to_string();
        source = s.source();
    }
    if last.len() > 200 {
        last.truncate(200);
    }
    last
}
