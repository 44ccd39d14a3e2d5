//! The server under test as an HTTP client: [`TestApp`] and its fully read [`Resp`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};
use tokio::process::Child;

use super::fixtures::{Fixture, FACILITATOR_SCOPES};
use super::process::spawn_server;

pub const ADMIN_TOKEN: &str = "test-admin-token";

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

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db_url: String,
    child: Child,
    stderr: Arc<Mutex<Vec<String>>>,
    /// Extra environment for the server process, kept across [`TestApp::restart`].
    env: Vec<(String, String)>,
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

    /// Kills the server (SIGKILL) and starts a new one on the same database and the same
    /// address, as an operator's restart would (clients keep their base URL).
    pub async fn restart_same_port(&mut self) {
        self.child.start_kill().expect("kill server");
        let _ = self.child.wait().await;
        let listen = self.base.trim_start_matches("http://").to_string();
        let (child, base, stderr) =
            super::process::spawn_server_at(&self.db_url, &self.env, &listen).await;
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

    /// Sends the request, reads the whole response and checks it against the published
    /// OpenAPI document (see [`super::contract`]).
    pub async fn send(&self, rb: RequestBuilder) -> Resp {
        let (client, req) = rb.build_split();
        let req = req.unwrap_or_else(|e| panic!("request could not be built: {e}"));
        let (method, path) = (req.method().clone(), req.url().path().to_string());
        let r = client.execute(req).await.unwrap_or_else(|e| {
            panic!(
                "request failed: {e}\n--- server stderr ---\n{}",
                self.server_stderr()
            )
        });
        let resp = Resp::read(r).await;
        super::contract::check(&method, &path, &resp);
        resp
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
}

impl TestApp {
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
