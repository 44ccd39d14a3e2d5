//! Spec §1.6's "common errors", added to every operation they apply to, so that no handler
//! repeats them: rows 1, 2 and 8 on every partner operation, rows 6 and 7 where the path has
//! `{outlet_id}`, rows 11–13 where the operation takes a body or parameters; the sandbox's
//! admin-token 401. An operation's own annotation wins when it lists the same status.

use super::security::ADMIN;
use serde_json::{json, Map, Value};

/// One reusable error response: component name, status, description, examples.
struct Row {
    name: &'static str,
    status: &'static str,
    description: &'static str,
    examples: &'static [(&'static str, &'static str, &'static str)],
}

const ROWS: &[Row] = &[
    Row {
        name: "BadRequest",
        status: "400",
        description: "Malformed JSON, a wrong type, a missing or invalid field, parameter or header: one error object per violation, each naming its JSON path (spec §1.6 row 13).",
        examples: &[
            ("invalid_field", "Bad Request", "promo_detail.selling_price: expected integer"),
            ("control_character", "Bad Request", "query parameter page: must not contain control characters (U+0007)"),
        ],
    },
    Row {
        name: "SessionExpired",
        status: "401",
        description: "The bearer token is missing, malformed, unknown, revoked or expired (row 1). `WWW-Authenticate` says why.",
        examples: &[("session_expired", "Session Expired", "Your session is expired. Please login again.")],
    },
    Row {
        name: "AdminUnauthorized",
        status: "401",
        description: "The sandbox admin token is missing or wrong.",
        examples: &[("invalid_admin_token", "Unauthorized", "Invalid admin token")],
    },
    Row {
        name: "Forbidden",
        status: "403",
        description: "The token lacks the operation's scope (row 2), is a client_credentials token where a merchant-user token is needed (row 3), or the user's role or outlet access does not allow it (rows 4, 5).",
        examples: &[
            ("missing_scope", "Forbidden", "Missing required scope: gofood:catalog:read"),
            ("user_token_required", "Forbidden", "This endpoint requires an authorization_code (merchant user) token."),
        ],
    },
    Row {
        name: "OutletNotFound",
        status: "404",
        description: "The outlet does not exist (row 6), or is not linked to (or owned by) the caller for the product (row 7).",
        examples: &[
            ("unknown_outlet", "Not found", "Outlet with id: G000012345 is not found"),
            ("unregistered_outlet", "Requested resource not found", "The outlet is not yet registered for integration. Please contact the support team."),
        ],
    },
    Row {
        name: "NotAcceptable",
        status: "406",
        description: "The `Accept` header allows no JSON answer (row 8).",
        examples: &[("unsupported_accept", "UnsupportedAcceptType", "Invalid Accept header: text/html")],
    },
    Row {
        name: "PayloadTooLarge",
        status: "413",
        description: "The body is over 10 MiB (row 11).",
        examples: &[("too_large", "Payload Too Large", "Request body exceeds 10485760 bytes")],
    },
    Row {
        name: "UnsupportedMediaType",
        status: "415",
        description: "The body's `Content-Type` is not JSON (row 12).",
        examples: &[("not_json", "Unsupported Media Type", "Unsupported Content-Type: text/plain; use application/json")],
    },
];

fn response(row: &Row) -> Value {
    let examples: Map<String, Value> = row
        .examples
        .iter()
        .map(|(key, title, message)| {
            let value = json!({
                "success": false,
                "errors": [{
                    "code": format!("HTTP_{}", row.status),
                    "message_title": title,
                    "message": message,
                    "message_severity": "error",
                }],
            });
            (key.to_string(), json!({ "summary": title, "value": value }))
        })
        .collect();
    json!({
        "description": row.description,
        "content": { "application/json": {
            "schema": { "$ref": "#/components/schemas/Failure" },
            "examples": examples,
        }},
    })
}

fn has_params(op: &Value) -> bool {
    op.get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty())
}

/// Any operation with path or query parameters can meet the control-character guard (a 400
/// before routing, `text_guard.rs`): the envelope, or an RFC 6749 error under `/oauth2/`. An
/// HTML page's own 400 gets the JSON alternative next to its HTML.
fn guarded_parameters(path: &str, op: &mut Value) {
    let (schema, example) = if path.starts_with("/oauth2/") {
        (
            json!({ "$ref": "#/components/schemas/OAuthErrorBody" }),
            json!({ "error": "invalid_request", "error_description": "query parameter state: must not contain control characters (U+0007)" }),
        )
    } else {
        (
            json!({ "$ref": "#/components/schemas/Failure" }),
            json!({ "success": false, "errors": [{ "code": "HTTP_400", "message_title": "Bad Request",
                "message": "query parameter flow: must not contain control characters (U+0007)",
                "message_severity": "error" }] }),
        )
    };
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    let entry = responses.entry("400").or_insert_with(|| {
        json!({ "description": "A parameter holds a control character, or is otherwise invalid." })
    });
    if entry.get("$ref").is_some() {
        return;
    }
    let content = entry
        .as_object_mut()
        .map(|e| e.entry("content").or_insert_with(|| json!({})));
    if let Some(Value::Object(content)) = content {
        content
            .entry("application/json")
            .or_insert_with(|| json!({ "schema": schema, "example": example }));
    }
}

/// Which of the rows apply to the operation `op` on `path`.
fn rows_for(path: &str, op: &Value) -> Vec<&'static str> {
    let partner = path.starts_with("/integrations/") || path.starts_with("/transactions/");
    let sandbox = path.starts_with("/sandbox/");
    if !partner && !sandbox {
        return Vec::new();
    }
    let has_body = op.get("requestBody").is_some();
    let has_params = has_params(op);
    let json_answer = op["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(status, _)| status.starts_with('2'))
        .any(|(_, r)| r["content"].get("application/json").is_some());
    let mut rows = Vec::new();
    if has_body || has_params {
        rows.push("BadRequest");
    }
    rows.push(if partner {
        "SessionExpired"
    } else {
        "AdminUnauthorized"
    });
    if partner {
        rows.push("Forbidden");
    }
    if path.contains("{outlet_id}") {
        rows.push("OutletNotFound");
    }
    if json_answer {
        rows.push("NotAcceptable");
    }
    if has_body {
        rows.push("PayloadTooLarge");
        rows.push("UnsupportedMediaType");
    }
    rows
}

pub(super) fn install(doc: &mut Value) {
    let responses: Map<String, Value> = ROWS
        .iter()
        .map(|r| (r.name.to_string(), response(r)))
        .collect();
    if let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) {
        components.insert("responses".into(), Value::Object(responses));
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (_, op) in item.iter_mut() {
            if path.starts_with("/sandbox/") && op.get("security").is_none() {
                op["security"] = json!([{ ADMIN: [] }]);
            }
            let names = rows_for(path, op);
            let Some(own) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            for name in names {
                let Some(row) = ROWS.iter().find(|r| r.name == name) else {
                    continue;
                };
                own.entry(row.status.to_string())
                    .or_insert_with(|| json!({ "$ref": format!("#/components/responses/{name}") }));
            }
            own.sort_keys();
            if has_params(op) {
                guarded_parameters(path, op);
            }
        }
    }
}
