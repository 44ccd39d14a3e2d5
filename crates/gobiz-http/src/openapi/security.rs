//! Security schemes: GoAuth's OAuth 2.0 flows with every scope of spec §2.2, the client's
//! HTTP Basic credentials on the token endpoints, and the sandbox admin bearer token.

use gobiz_domain::scope::{description, ALL_SCOPES};
use serde_json::{json, Map, Value};

/// Scheme name of GoAuth's OAuth 2.0 (partner API operations).
pub const GOAUTH: &str = "goauth";
/// Scheme name of the sandbox admin token.
pub const ADMIN: &str = "admin_token";
/// Scheme name of the console's session cookie.
pub const CONSOLE: &str = "console_session";
/// Scheme name of client authentication on `/oauth2/*`.
pub const CLIENT: &str = "client_basic";

pub(super) fn install(doc: &mut Value, base: &str) {
    let scopes: Map<String, Value> = ALL_SCOPES
        .iter()
        .map(|s| (s.to_string(), Value::String(description(s).to_string())))
        .collect();
    let schemes = json!({
        GOAUTH: {
            "type": "oauth2",
            "description": "GoAuth access tokens (spec §2). Facilitators and POS vendors use client_credentials; merchant-user tokens come from authorization_code with PKCE.",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": format!("{base}/oauth2/token"),
                    "scopes": scopes,
                },
                "authorizationCode": {
                    "authorizationUrl": format!("{base}/oauth2/auth"),
                    "tokenUrl": format!("{base}/oauth2/token"),
                    "refreshUrl": format!("{base}/oauth2/token"),
                    "scopes": scopes,
                },
            },
        },
        CLIENT: {
            "type": "http",
            "scheme": "basic",
            "description": "client_secret_basic: the OAuth client id and secret (client_secret_post in the form also works).",
        },
        CONSOLE: {
            "type": "apiKey",
            "in": "cookie",
            "name": "gobiz_console",
            "description": "The console's session cookie, set by `POST /console/sign-in` (HttpOnly, SameSite=Strict). Forms also carry the session's CSRF token.",
        },
        ADMIN: {
            "type": "http",
            "scheme": "bearer",
            "description": "The sandbox admin token (printed by `gobiz serve` at start; `--admin-token` or GOBIZ_ADMIN_TOKEN sets it).",
        },
    });
    let components = doc
        .as_object_mut()
        .map(|d| d.entry("components").or_insert_with(|| json!({})));
    if let Some(c) = components {
        c["securitySchemes"] = schemes;
    }
}
