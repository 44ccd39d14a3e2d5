//! The one HTTP client of the client commands: the server's base URL and admin token, the
//! GoBiz envelope unwrapped into typed views, and every error turned into plain words and an
//! exit code ([`super::Failure`]).

use super::{CliError, CliResult, Failure, ServerArgs};
use axum::body::Bytes;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long one request may take (a Moka generation of many sales takes a while).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// A client of one gobiz server.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    admin_token: String,
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

#[derive(Deserialize)]
struct FailureBody {
    #[serde(default)]
    errors: Vec<ErrorBody>,
    /// OAuth errors (RFC 6749) are not enveloped.
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: String,
}

impl Api {
    /// A client of `args.server`; refuses a base URL that is not http(s).
    pub fn new(args: &ServerArgs) -> CliResult<Api> {
        let base = args.server.trim().trim_end_matches('/').to_string();
        let parsed = url::Url::parse(&base).map_err(|e| {
            CliError::usage(format!(
                "--server {base:?} is not a URL ({e}); e.g. --server http://127.0.0.1:8080"
            ))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(CliError::usage(format!(
                "--server {base:?} must be an http:// or https:// URL, e.g. http://127.0.0.1:8080"
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("gobiz-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CliError::new(Failure::Server, format!("HTTP client: {e}")))?;
        Ok(Api {
            http,
            base,
            admin_token: args.admin_token.clone(),
        })
    }

    /// The server's base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// An admin API request (bearer admin token).
    pub fn admin(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(&self.admin_token)
    }

    /// `GET` an admin API path; the envelope's `data`.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> CliResult<T> {
        self.data(self.admin(Method::GET, path)).await
    }

    /// `GET` with a query string.
    pub async fn get_query<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> CliResult<T> {
        self.data(self.admin(Method::GET, path).query(query)).await
    }

    /// `POST` a JSON body to an admin API path; the envelope's `data`.
    pub async fn post<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> CliResult<T> {
        self.data(self.admin(Method::POST, path).json(body)).await
    }

    /// A JSON body with another method (`PATCH`, `PUT`, `DELETE`).
    pub async fn send_json<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> CliResult<T> {
        self.data(self.admin(method, path).json(body)).await
    }

    /// `DELETE` an admin API path.
    pub async fn delete<T: DeserializeOwned>(&self, path: &str) -> CliResult<T> {
        self.data(self.admin(Method::DELETE, path)).await
    }

    /// Sends any request and unwraps the GoBiz envelope's `data`.
    pub async fn data<T: DeserializeOwned>(&self, req: RequestBuilder) -> CliResult<T> {
        let env: Envelope<T> = self.json(req).await?;
        Ok(env.data)
    }

    /// Sends any request and reads its JSON answer as `T` (for answers without the envelope,
    /// such as the OAuth token endpoint's).
    pub async fn json<T: DeserializeOwned>(&self, req: RequestBuilder) -> CliResult<T> {
        let (status, path, bytes) = self.exchange(req).await?;
        serde_json::from_slice(&bytes).map_err(|e| {
            CliError::new(
                Failure::Server,
                format!(
                    "the server at {} answered {path} with HTTP {} the CLI cannot read ({e}); are the server and the CLI the same version?",
                    self.base,
                    status.as_u16()
                ),
            )
        })
    }

    /// Sends a request; a 2xx answer's status, path and body, or the error in plain words.
    pub async fn exchange(&self, req: RequestBuilder) -> CliResult<(StatusCode, String, Bytes)> {
        let req = req
            .build()
            .map_err(|e| CliError::usage(format!("cannot build the request: {e}")))?;
        let path = req.url().path().to_string();
        let resp = self
            .http
            .execute(req)
            .await
            .map_err(|e| self.unreachable(&e))?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| self.unreachable(&e))?;
        if status.is_success() {
            return Ok((status, path, bytes));
        }
        Err(self.refusal(status, &path, &bytes))
    }

    /// The plain words of a transport failure.
    pub fn unreachable(&self, e: &reqwest::Error) -> CliError {
        let reason = if e.is_timeout() {
            "it did not answer in time".to_string()
        } else if e.is_connect() {
            root_cause(e)
        } else {
            e.to_string()
        };
        CliError::new(
            Failure::Unreachable,
            format!(
                "cannot reach the gobiz server at {}: {reason}. Is `gobiz serve` running there? (--server, GOBIZ_SERVER)",
                self.base
            ),
        )
    }

    /// The plain words of an error answer.
    pub fn refusal(&self, status: StatusCode, path: &str, body: &[u8]) -> CliError {
        let parsed: Option<FailureBody> = serde_json::from_slice(body).ok();
        let messages: Vec<String> = parsed
            .as_ref()
            .map(|f| {
                let mut m: Vec<String> = f
                    .errors
                    .iter()
                    .map(|e| e.message.trim().to_string())
                    .filter(|m| !m.is_empty())
                    .collect();
                if m.is_empty() {
                    if let Some(e) = &f.error {
                        m.push(match &f.error_description {
                            Some(d) => format!("{e}: {d}"),
                            None => e.clone(),
                        });
                    }
                }
                m
            })
            .unwrap_or_default();
        let code = status.as_u16();
        if messages.is_empty() {
            return CliError::new(
                Failure::Server,
                format!(
                    "the server at {} answered {path} with HTTP {code} and no GoBiz error; is it a gobiz server?",
                    self.base
                ),
            );
        }
        let text = messages.join("; ");
        if text.starts_with("No route for ") {
            return CliError::new(
                Failure::Server,
                format!(
                    "the server at {} does not offer {path} ({text}); is it a gobiz server of the same version as this CLI?",
                    self.base
                ),
            );
        }
        let kind = match code {
            401 | 403 => Failure::Unauthorized,
            404 => Failure::NotFound,
            400 | 405..=499 => Failure::Refused,
            _ => Failure::Server,
        };
        if kind == Failure::Unauthorized && path.starts_with("/sandbox/") {
            return CliError::new(
                kind,
                format!(
                    "the server at {} refused the admin token (HTTP {code}: {text}). Pass the token `gobiz serve` printed at start: --admin-token TOKEN or GOBIZ_ADMIN_TOKEN=TOKEN",
                    self.base
                ),
            );
        }
        CliError::new(kind, format!("{text} (HTTP {code})"))
    }
}

/// The innermost cause of a transport error, e.g. `Connection refused (os error 111)`.
pub fn root_cause(e: &reqwest::Error) -> String {
    let mut last = e.to_string();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = source {
        last = s.to_string();
        source = s.source();
    }
    last
}
