//! One delivery attempt: sign, POST, follow 307/308 (at most five), classify the answer.

use crate::sign::{go_signature, standard_signature};
use crate::url_guard;
use gobiz_domain::webhook::{Outcome, MAX_REDIRECTS};
use std::collections::BTreeMap;
use std::path::Path;
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
    /// The first [`RESPONSE_PREFIX`] bytes of the last answer's body (lossy UTF-8), if any.
    pub response_body: Option<String>,
}

/// How much of a receiver's answer is kept (the console shows it).
pub const RESPONSE_PREFIX: usize = 4096;

/// Reads the answer's body for at most 200 ms (so the connection can be reused), keeping its
/// first [`RESPONSE_PREFIX`] bytes; errors end the reading.
pub async fn body_prefix(mut resp: reqwest::Response) -> Option<String> {
    let mut kept: Vec<u8> = Vec::new();
    let read = async {
        while let Ok(Some(chunk)) = resp.chunk().await {
            let room = RESPONSE_PREFIX.saturating_sub(kept.len());
            kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
    };
    let _ = tokio::time::timeout(Duration::from_millis(200), read).await;
    (!kept.is_empty()).then(|| String::from_utf8_lossy(&kept).into_owned())
}

/// Sends webhook requests. Cheap to clone.
#[derive(Clone)]
pub struct Sender {
    /// The HTTP client, or why it could not be built (then every attempt fails, unsent).
    client: Result<reqwest::Client, String>,
    production: bool,
    user_agent: String,
}

/// Reads the extra root certificates of `--webhook-ca-file`: every certificate of a PEM
/// file, each one checked to be a usable trust anchor. The error names the file.
pub fn load_ca_file(path: &Path) -> Result<Vec<reqwest::Certificate>, String> {
    let shown = path.display();
    let pem =
        std::fs::read(path).map_err(|e| format!("cannot read the webhook CA file {shown}: {e}"))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
        format!(
            "the webhook CA file {shown} is not valid PEM: {}",
            chain(&e)
        )
    })?;
    if certs.is_empty() {
        return Err(format!(
            "the webhook CA file {shown} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        ));
    }
    // Adding a root parses it; a client that builds proves every certificate usable.
    certs
        .iter()
        .try_fold(reqwest::Client::builder(), |b, c| {
            Ok::<_, String>(b.add_root_certificate(c.clone()))
        })?
        .build()
        .map_err(|e| {
            format!(
                "the webhook CA file {shown} holds an unusable certificate: {}",
                chain(&e)
            )
        })?;
    Ok(certs)
}

impl Sender {
    /// A sender with a per-request timeout; `production` turns on the URL guard. Receivers'
    /// certificates are checked against the built-in roots (webpki-roots) and `extra_roots`.
    pub fn new(
        timeout: Duration,
        production: bool,
        extra_roots: &[reqwest::Certificate],
    ) -> Sender {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .pool_max_idle_per_host(64);
        for root in extra_roots {
            builder = builder.add_root_certificate(root.clone());
        }
        if production {
            // Connect only to addresses that pass the guard (no DNS-rebinding window).
            builder = builder.dns_resolver(std::sync::Arc::new(url_guard::GuardedResolver));
        }
        // `load_ca_file` has built a client with the same roots, so this does not fail. If it
        // ever did, attempts fail without sending: a plain default client would follow
        // redirects and, in production, bypass the guarded resolver.
        let client = builder.build().map_err(|e| {
            let reason = format!("webhook HTTP client unavailable: {}", chain(&e));
            tracing::error!("{reason}");
            reason
        });
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
        let mut response_body = None;
        let outcome = loop {
            if url_guard::check(&target, self.production).await.is_err() {
                break Outcome::Blocked;
            }
            let client = match &self.client {
                Ok(c) => c,
                Err(reason) => break Outcome::ConnectFailed(reason.clone()),
            };
            let mut req = client.post(&target).body(o.body.to_string());
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
            // Drain the body so the connection can be reused, keeping its start.
            response_body = body_prefix(resp).await;
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
        Sent {
            outcome,
            headers,
            response_body,
        }
    }
}

/// Why a request failed, for the delivery history: the error and its causes.
fn short_reason(e: &reqwest::Error) -> String {
    let mut reason = chain(e);
    if reason.len() > 300 {
        let mut end = 300;
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        reason.truncate(end);
    }
    reason
}

/// An error and its sources, `outer: inner: …`, without repeating a message that the previous
/// one already contains.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        let text = err.to_string();
        if !parts.last().is_some_and(|prev| prev.contains(&text)) {
            parts.push(text);
        }
        source = err.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn temp_file(name: &str, contents: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("gobiz-ca-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn ca_pem() -> String {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.self_signed(&key).unwrap().pem()
    }

    #[test]
    fn a_ca_file_with_certificates_loads() {
        let two = format!("{}{}", ca_pem(), ca_pem());
        let path = temp_file("ca.pem", two.as_bytes());
        assert_eq!(load_ca_file(&path).unwrap().len(), 2);
    }

    #[test]
    fn a_bad_ca_file_is_refused_with_its_name() {
        let missing = std::env::temp_dir().join("gobiz-no-such-dir/ca.pem");
        let empty = temp_file("empty.pem", b"");
        let text = temp_file("text.pem", b"not a certificate\n");
        let key_only = temp_file(
            "key.pem",
            rcgen::KeyPair::generate()
                .unwrap()
                .serialize_pem()
                .as_bytes(),
        );
        let bad_base64 = temp_file(
            "base64.pem",
            b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        );
        let bad_der = temp_file(
            "der.pem",
            b"-----BEGIN CERTIFICATE-----\nAAAAAA==\n-----END CERTIFICATE-----\n",
        );
        for (path, words) in [
            (&missing, "cannot read"),
            (&empty, "no PEM certificate"),
            (&text, "no PEM certificate"),
            (&key_only, "no PEM certificate"),
            (&bad_base64, "not valid PEM"),
            (&bad_der, "unusable certificate"),
        ] {
            let err = load_ca_file(path).expect_err("refused");
            assert!(
                err.contains(&path.display().to_string()) && err.contains(words),
                "{path:?}: {err}"
            );
        }
    }
}
