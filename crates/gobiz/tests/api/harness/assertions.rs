//! Assertions on responses: the error envelope, OAuth errors, 401/403 challenges, formats.

use serde_json::{json, Value};

use super::client::Resp;

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

pub fn assert_html(r: &Resp) {
    let ct = r.header("content-type").unwrap_or_default();
    assert!(
        ct.starts_with("text/html"),
        "expected an HTML page, got {ct:?} (status {}): {}",
        r.status,
        r.text
    );
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
