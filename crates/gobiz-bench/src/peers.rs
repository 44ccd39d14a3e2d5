//! Helpers of the peer benchmark (`bench/peers/run.sh`), which drives gobiz and its peers
//! with `wrk`: `peers-setup` pushes the 300-item catalog of the `catalog` benchmark to the
//! demo outlet of a `gobiz serve --demo`, signs the demo merchant in through the GoAuth
//! authorization-code flow (login page, sandbox OTP, consent) for a user token, and saves
//! the exact bytes gobiz answers; `peers-baseline` serves saved bytes from a bare axum
//! handler (the ceiling).

use anyhow::Context;
use axum::routing::get;
use axum::Router;
use std::path::PathBuf;

/// The demo client's identity (`gobiz serve --demo`; public, sandbox only).
const DEMO_CLIENT_ID: &str = "demo-pos-client";
const DEMO_CLIENT_SECRET: &str = "demo-pos-secret-change-me-0123456789abcdefg";
const DEMO_OUTLET_ID: &str = "G000012345";
/// The demo merchant user's phone and a redirect URI the demo client registered.
const DEMO_PHONE: &str = "+6281234567890";
const DEMO_REDIRECT_URI: &str = "http://localhost:3000/callback";
/// The scope of the user token (token-info accepts it).
const USER_SCOPE: &str = "openid partner:outlet:read";
/// The name of GoAuth's login-flow cookie.
const LOGIN_COOKIE: &str = "gobiz_login";

/// Paths of the measured reads, relative to the server's base address.
fn catalog_path() -> String {
    format!("/integrations/gofood/outlets/{DEMO_OUTLET_ID}/v2/catalog")
}
const LINKED_OUTLETS_PATH: &str = "/integrations/partner/v1/linked-outlets";
fn outlet_info_path() -> String {
    format!("/integrations/partner/outlets/{DEMO_OUTLET_ID}/v1")
}
const TOKEN_INFO_PATH: &str = "/integrations/partner/v1/token-info";

#[derive(clap::Args, Clone)]
pub(crate) struct Setup {
    /// Base address of a `gobiz serve --demo`.
    #[arg(long)]
    url: String,
    /// Folder that receives `catalog.json`, `linked-outlets.json`, `outlet-info.json` and
    /// `token-info.json` (the bodies gobiz answers); their paths are printed, one
    /// `name path size` a line, then `user-token TOKEN EXPIRES_IN`.
    #[arg(long, required_unless_present = "login_only")]
    out: Option<PathBuf>,
    /// The sandbox admin token (for the OTP the sandbox delivered).
    #[arg(long, default_value = "demo-admin-token")]
    admin_token: String,
    /// Only sign the demo merchant in and print `user-token TOKEN EXPIRES_IN` (no catalog
    /// push, no bodies saved).
    #[arg(long)]
    login_only: bool,
}

#[derive(clap::Args, Clone)]
pub(crate) struct Baseline {
    /// Address to listen on (port 0: any free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// `PATH=FILE`: answer `GET PATH` with the bytes of FILE as `application/json`; repeatable.
    #[arg(long = "route", required = true)]
    routes: Vec<String>,
}

/// `peers-setup`: pushes the catalog, signs the demo merchant in, saves the bodies.
pub(crate) async fn setup(http: &reqwest::Client, s: &Setup) -> anyhow::Result<()> {
    let base = s.url.trim_end_matches('/');
    let (user_token, expires_in) = user_token(base, &s.admin_token)
        .await
        .context("user token of the demo merchant (authorization-code flow)")?;
    let Some(out) = s.out.as_ref().filter(|_| !s.login_only) else {
        println!("user-token {user_token} {expires_in}");
        return Ok(());
    };
    let token = crate::client_token(
        http,
        base,
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET,
        "gofood:catalog:read gofood:catalog:write partner:outlet:read",
    )
    .await
    .context("token of the demo client (is the server started with --demo?)")?;
    let catalog_url = format!("{base}{}", catalog_path());
    let mut body = crate::catalog::catalog(300, 20);
    // A fixed request id, so that every run pushes the same document.
    body["request_id"] = serde_json::json!("00000000-0000-4000-8000-000000000300");
    let r = http
        .put(&catalog_url)
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await?;
    let status = r.status();
    anyhow::ensure!(
        status.is_success(),
        "catalog push: {status} {}",
        r.text().await?
    );
    std::fs::create_dir_all(out)?;
    for (name, path, bearer) in [
        ("catalog", catalog_path(), &token),
        ("linked-outlets", LINKED_OUTLETS_PATH.to_string(), &token),
        ("outlet-info", outlet_info_path(), &token),
        ("token-info", TOKEN_INFO_PATH.to_string(), &user_token),
    ] {
        let r = http
            .get(format!("{base}{path}"))
            .bearer_auth(bearer)
            .send()
            .await?;
        let status = r.status();
        let bytes = r.bytes().await?;
        anyhow::ensure!(
            status.is_success(),
            "GET {path}: {status} {}",
            String::from_utf8_lossy(&bytes)
        );
        let file = out.join(format!("{name}.json"));
        std::fs::write(&file, &bytes)?;
        println!("{name} {path} {} bytes", bytes.len());
    }
    println!("user-token {user_token} {expires_in}");
    Ok(())
}

/// The `Location` of a redirect answer, else an error naming `step` with the answer.
async fn location(r: reqwest::Response, step: &str) -> anyhow::Result<String> {
    let status = r.status();
    let loc = r
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    match loc {
        Some(l) if status.is_redirection() => Ok(l),
        _ => anyhow::bail!("{step}: {status} without a redirect: {}", r.text().await?),
    }
}

/// The `value` of the first `<input name="NAME">` of an HTML page (GoAuth's hidden fields
/// hold base64url text, which needs no unescaping).
fn input_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let tag_end = at + html[at..].find('>')?;
    let tag_start = html[..at].rfind('<')?;
    let tag = &html[tag_start..tag_end];
    let v = tag.find("value=\"")? + "value=\"".len();
    Some(tag[v..v + tag[v..].find('"')?].to_string())
}

/// A user access token of the demo merchant for the demo client, through the browser flow
/// (`/oauth2/auth` → phone → the OTP the sandbox delivered → Allow → code exchange):
/// the token and its `expires_in`.
async fn user_token(base: &str, admin_token: &str) -> anyhow::Result<(String, i64)> {
    // A browser: no redirects followed, the flow cookie carried by hand.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let r = http
        .get(format!("{base}/oauth2/auth"))
        .query(&[
            ("response_type", "code"),
            ("client_id", DEMO_CLIENT_ID),
            ("redirect_uri", DEMO_REDIRECT_URI),
            ("scope", USER_SCOPE),
            ("state", "peers-benchmark"),
            ("ui_locales", "en"),
        ])
        .send()
        .await?;
    let cookie = r
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{LOGIN_COOKIE}=")))
        .and_then(|c| c.split(';').next())
        .map(str::to_string);
    let login = location(r, "GET /oauth2/auth").await?;
    let cookie = cookie.context("GET /oauth2/auth set no login cookie")?;
    let login = if login.starts_with('/') {
        format!("{base}{login}")
    } else {
        login
    };
    let flow = login
        .split_once("flow=")
        .map(|(_, f)| f.split('&').next().unwrap_or_default().to_string())
        .with_context(|| format!("no flow in the redirect to {login}"))?;
    let page = http
        .get(&login)
        .header(reqwest::header::COOKIE, &cookie)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let csrf = input_value(&page, "csrf_token").context("no csrf_token on the login page")?;
    let post = |path: &str, extra: (&'static str, String)| {
        http.post(format!("{base}{path}"))
            .header(reqwest::header::COOKIE, &cookie)
            .form(&[
                ("flow", flow.clone()),
                ("csrf_token", csrf.clone()),
                (extra.0, extra.1),
            ])
            .send()
    };
    location(
        post("/merchant/login", ("phone", DEMO_PHONE.to_string())).await?,
        "phone",
    )
    .await?;
    let otp: serde_json::Value = http
        .get(format!("{base}/sandbox/v1/otp"))
        .query(&[("phone", DEMO_PHONE)])
        .bearer_auth(admin_token)
        .send()
        .await?
        .error_for_status()
        .context("GET /sandbox/v1/otp (is --admin-token right?)")?
        .json()
        .await?;
    let code = otp["data"]["otp"]["code"]
        .as_str()
        .with_context(|| format!("no OTP in {otp}"))?
        .to_string();
    location(post("/merchant/login/otp", ("otp", code)).await?, "OTP").await?;
    let callback = location(
        post("/merchant/consent", ("decision", "allow".to_string())).await?,
        "consent",
    )
    .await?;
    let url = reqwest::Url::parse(&callback)?;
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .with_context(|| format!("no code in the callback {callback}"))?;
    let r = http
        .post(format!("{base}/oauth2/token"))
        .basic_auth(DEMO_CLIENT_ID, Some(DEMO_CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", DEMO_REDIRECT_URI),
        ])
        .send()
        .await?;
    let status = r.status();
    let body: serde_json::Value = r.json().await?;
    anyhow::ensure!(status.is_success(), "code exchange: {status} {body}");
    let token = body["access_token"]
        .as_str()
        .with_context(|| format!("no access_token in {body}"))?;
    Ok((token.to_string(), body["expires_in"].as_i64().unwrap_or(0)))
}

/// `peers-baseline`: serves the files until killed.
pub(crate) async fn baseline(b: &Baseline) -> anyhow::Result<()> {
    let mut app = Router::new();
    for route in &b.routes {
        let (path, file) = route
            .split_once('=')
            .with_context(|| format!("--route {route}: expected PATH=FILE"))?;
        let bytes = axum::body::Bytes::from(
            std::fs::read(file).with_context(|| format!("cannot read {file}"))?,
        );
        app = app.route(
            path,
            get(move || {
                let b = bytes.clone();
                async move { ([("content-type", "application/json")], b) }
            }),
        );
    }
    let listener = tokio::net::TcpListener::bind(&b.listen).await?;
    println!("baseline listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
