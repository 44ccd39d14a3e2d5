//! GoAuth as a browser sees it: the authorization-code flow through the HTML login and
//! consent pages (spec §2.4, §2.5), PKCE, form parsing and callback checks.

use std::collections::HashMap;

use reqwest::Method;
use serde_json::{json, Value};

use super::assertions::assert_html;
use super::client::{Resp, TestApp};

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
pub fn query_params(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .unwrap_or_else(|e| panic!("not an absolute URL {url:?}: {e}"))
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Asserts a `302` to `redirect_uri` (before its query) and returns the query parameters.
pub fn assert_callback(r: &Resp, redirect_uri: &str) -> HashMap<String, String> {
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

impl TestApp {
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
}
