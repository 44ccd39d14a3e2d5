//! Console sessions without server-side state: the cookie is `v1.<expiry>.<nonce>.<mac>`,
//! the MAC an HMAC-SHA256 keyed by the admin token, so every node of a deployment accepts it
//! and changing the admin token signs every console user out. Each session has its own CSRF
//! token (an HMAC of its nonce), which every form and htmx request must carry.

use crate::console::{words, Console};
use crate::pages::accept_language;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gobiz_domain::goauth::Locale;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Name of the session cookie.
pub const COOKIE: &str = "gobiz_console";
/// Name of the language cookie set by `?lang=`.
pub const LANG_COOKIE: &str = "gobiz_lang";
/// A session lasts 12 hours (wall time; moving the sandbox clock does not end it).
const TTL_SECS: i64 = 12 * 3600;

fn mac(key: &str, parts: &[&str]) -> String {
    let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    for p in parts {
        m.update(p.as_bytes());
        m.update(b"|");
    }
    hex::encode(m.finalize().into_bytes())
}

fn wall_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A new session cookie value for a user who presented `admin_token`.
pub fn issue(admin_token: &str) -> String {
    let expiry = (wall_now() + TTL_SECS).to_string();
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let tag = mac(admin_token, &["session", &expiry, &nonce]);
    format!("v1.{expiry}.{nonce}.{tag}")
}

/// The CSRF token of the session whose cookie is `value` (`None` when it is not valid now).
pub fn verify(admin_token: &str, value: &str) -> Option<String> {
    let mut parts = value.split('.');
    let (Some("v1"), Some(expiry), Some(nonce), Some(tag), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let expected = mac(admin_token, &["session", expiry, nonce]);
    let fresh = expiry.parse::<i64>().is_ok_and(|e| e > wall_now());
    let genuine = !admin_token.is_empty() && bool::from(expected.as_bytes().ct_eq(tag.as_bytes()));
    (fresh && genuine).then(|| mac(admin_token, &["csrf", nonce]))
}

/// `Set-Cookie` for a new session (`secure` when the public base URL is https).
pub fn set_cookie(value: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE}={value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={TTL_SECS}{secure}"
    )
}

/// `Set-Cookie` that ends the session.
pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

/// The value of cookie `name` in the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The language of a console page: the `gobiz_lang` cookie, else `Accept-Language`.
pub fn locale(headers: &HeaderMap) -> Locale {
    match cookie(headers, LANG_COOKIE) {
        Some("en") => Locale::En,
        Some("id") => Locale::Id,
        _ => Locale::negotiate(None, Some(&accept_language(headers))),
    }
}

/// A console form with only the CSRF token (sign-out, reset).
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct CsrfForm {
    /// The session's CSRF token (every console form carries it).
    pub csrf: Option<String>,
}

/// Parses a console form (`application/x-www-form-urlencoded`) into `T`; a body that does not
/// parse gives `T::default()`, whose missing fields each page then reports.
pub fn form<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> T {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

/// A signed-in console user (the extractor redirects everyone else to the sign-in page).
pub struct ConsoleUser {
    /// The session's CSRF token, put in every form.
    pub csrf: String,
    /// The page language.
    pub locale: Locale,
    /// Production with `--console`: pages only, no actions.
    pub read_only: bool,
    /// The request came from htmx (`HX-Request`), so a fragment is wanted.
    pub htmx: bool,
}

impl ConsoleUser {
    /// The words of the page language.
    pub fn words(&self) -> &'static words::Words {
        words::of(self.locale)
    }

    /// Refuses an action: a read-only console, a missing or wrong CSRF token (form field
    /// `csrf` or header `X-CSRF-Token`), or a cross-site `Origin`.
    pub fn check_action(
        &self,
        headers: &HeaderMap,
        form_csrf: Option<&str>,
    ) -> Result<(), Refused> {
        if self.read_only {
            return Err(Refused(self.words().read_only_refused));
        }
        let sent = form_csrf.or_else(|| headers.get("x-csrf-token").and_then(|v| v.to_str().ok()));
        let good = sent.is_some_and(|s| bool::from(s.as_bytes().ct_eq(self.csrf.as_bytes())));
        if !good || cross_site(headers) {
            return Err(Refused(self.words().csrf_refused));
        }
        Ok(())
    }
}

/// A refused console action: 403 with the reason in the page's language.
#[derive(Debug)]
pub struct Refused(pub &'static str);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        refusal(StatusCode::FORBIDDEN, self.0)
    }
}

/// True when the request names an `Origin` other than its own host.
pub fn cross_site(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if origin == "null" {
        return true;
    }
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
    !origin_host.eq_ignore_ascii_case(host)
}

/// A small plain-text refusal (403) that htmx and forms both show.
pub fn refusal(status: StatusCode, message: &str) -> Response {
    let mut resp = (status, message.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

/// Where a visitor without a session goes: the sign-in page, back to `next` afterwards.
fn to_sign_in(parts: &Parts) -> Response {
    let next = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/console");
    let location = format!(
        "/console/sign-in?next={}",
        percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC)
    );
    let mut resp = crate::pages::redirect(StatusCode::SEE_OTHER, &location);
    if parts.headers.contains_key("hx-request") {
        if let Ok(v) = HeaderValue::from_str(&location) {
            resp.headers_mut().insert("hx-redirect", v);
        }
    }
    resp
}

impl FromRequestParts<AppState> for ConsoleUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let csrf = cookie(&parts.headers, COOKIE)
            .and_then(|v| verify(&state.admin_token, v))
            .ok_or_else(|| to_sign_in(parts))?;
        Ok(ConsoleUser {
            csrf,
            locale: locale(&parts.headers),
            read_only: state.console == Console::ReadOnly,
            htmx: parts.headers.contains_key("hx-request"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_needs_the_admin_token_that_issued_it() {
        let v = issue("admin-1");
        assert!(verify("admin-1", &v).is_some());
        assert!(verify("admin-2", &v).is_none());
        assert!(verify("", &v).is_none());
        let forged = v.replace("v1.", "v1.9").to_string();
        assert!(verify("admin-1", &forged).is_none());
        assert!(verify("admin-1", "v1.99999999999.n.t").is_none());
        assert!(verify("admin-1", &format!("{v}.x")).is_none());
    }

    #[test]
    fn an_expired_session_is_refused() {
        let expiry = (wall_now() - 1).to_string();
        let tag = mac("a", &["session", &expiry, "n"]);
        assert!(verify("a", &format!("v1.{expiry}.n.{tag}")).is_none());
    }

    #[test]
    fn each_session_has_its_own_csrf_token() {
        let a = verify("k", &issue("k")).unwrap_or_default();
        let b = verify("k", &issue("k")).unwrap_or_default();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }
}
