//! The OpenAPI 3.1 document of the server. The handlers' `#[utoipa::path]` annotations and the
//! typed views they return describe each operation; [`finish`] adds what every operation
//! shares (spec §1.6's common errors, the security schemes, the server URL), so each rule is
//! written once. The router and the document come from the same `OpenApiRouter`, so a route
//! cannot be mounted without being described.

mod common_errors;
mod security;
mod webhooks;

/// One Server-Sent Event as a `text/event-stream` answer carries it: the schema of every
/// streaming operation (the listener of `gobiz listen`, the console's live feeds), so that a
/// client validating each event (e.g. schemathesis) reads `event`, `id` and `data` fields.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct SseEvent {
    /// The event's name, e.g. `delivery` or `rows`.
    #[schema(example = "delivery")]
    pub event: Option<String>,
    /// Its id, when it has one.
    pub id: Option<String>,
    /// Its data: JSON text (the listener) or an HTML fragment (the console).
    pub data: String,
    /// A reconnection delay, when sent.
    pub retry: Option<u64>,
}

use crate::envelope::{Empty, ErrorEntry, Failure};
use serde_json::Value;
use utoipa::OpenApi;

/// The parts of the document no handler owns: title, tags, shared schemas.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "GoBiz Partner Integration API (gobiz)",
        description = "A self-hostable implementation of the GoBiz Partner Integration API: \
GoAuth (OAuth 2.0 / OpenID Connect), outlets and linking, GoFood catalog, stock, orders and \
promotions, QRIS payments, MokaPOS reports, signed webhooks, and a sandbox control API.\n\n\
Every `/integrations/...` and `/sandbox/v1/...` answer is the GoBiz envelope: \
`{\"success\": true, \"data\": ...}` or `{\"success\": false, \"errors\": [...]}`. \
The OAuth endpoints answer RFC 6749 JSON errors instead.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    tags(
        (name = "GoAuth", description = "OAuth 2.0 and OpenID Connect (spec §2)."),
        (name = "Merchant login", description = "The HTML pages a merchant signs in and consents on (spec §2.5)."),
        (name = "Outlets", description = "Linked outlets, token info, outlet information, linking and properties (spec §3)."),
        (name = "GoFood catalog", description = "Menu and stock (spec §4)."),
        (name = "GoFood orders", description = "Accept, reject, mark food ready (spec §5)."),
        (name = "Promotions", description = "SKU promotions (spec §6)."),
        (name = "Payments", description = "QRIS transactions (spec §7)."),
        (name = "MokaPOS", description = "MokaPOS reports and listings (spec §8)."),
        (name = "Notifications", description = "Webhook subscriptions and troubleshooting (spec §9)."),
        (name = "Sandbox", description = "The sandbox control API (spec §10): fixtures, the order, driver and payer simulators, the clock, deliveries. Authenticated with the admin token."),
        (name = "Console", description = "The sandbox console: HTML pages to see and drive the sandbox (sign in with the admin token; a session cookie)."),
        (name = "Server", description = "Health, readiness, metrics, this document and its reference page."),
    ),
    components(schemas(Failure, ErrorEntry, Empty)),
)]
pub(crate) struct Base;

/// The finished document for a server whose public base URL is `base_url`.
pub fn document(sandbox: bool, base_url: &str) -> Value {
    let console = match sandbox {
        true => crate::console::Console::Full,
        false => crate::console::Console::Off,
    };
    let (_, doc) = crate::routes::api(sandbox, console).split_for_parts();
    finish(doc, base_url)
}

/// Completes a document made by the router: server URL, security schemes, common errors.
pub(crate) fn finish(doc: utoipa::openapi::OpenApi, base_url: &str) -> Value {
    let doc = webhooks::install(doc);
    let mut doc = serde_json::to_value(&doc).unwrap_or(Value::Null);
    let base = base_url.trim_end_matches('/');
    doc["servers"] = serde_json::json!([{ "url": base, "description": "This server" }]);
    security::install(&mut doc, base);
    common_errors::install(&mut doc);
    unique_operation_ids(&mut doc);
    unique_parameters(&mut doc);
    doc
}

/// utoipa infers a path parameter from a handler's `Path<…>` extractor and also takes the one
/// its annotation describes; OpenAPI wants each (name, location) once. The described one stays.
fn unique_parameters(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in item.values_mut() {
            let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
                continue;
            };
            let key = |p: &Value| (p["name"].to_string(), p["in"].to_string());
            let mut kept: Vec<Value> = Vec::new();
            for p in params.drain(..) {
                match kept.iter_mut().find(|k| key(k) == key(&p)) {
                    Some(k) if k.get("description").is_none() => *k = p,
                    Some(_) => {}
                    None => kept.push(p),
                }
            }
            *params = kept;
        }
    }
}

/// A handler mounted for several methods (e.g. `PUT` and `POST` on a link) has one
/// `operationId`; OpenAPI wants them unique, so each later method gets `_<method>` appended.
fn unique_operation_ids(doc: &mut Value) {
    let mut seen = std::collections::HashSet::new();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            let Some(id) = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(String::from)
            else {
                continue;
            };
            if seen.insert(id.clone()) {
                continue;
            }
            // A second method of the same handler, else a handler whose name another one has
            // (e.g. two modules' `list`): named after its method and path.
            let slug: String = path
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            let slug = format!("{method}{}", slug.trim_end_matches('_'));
            let renamed = [format!("{id}_{method}"), slug.clone()]
                .into_iter()
                .chain((2..).map(|n| format!("{slug}_{n}")))
                .find(|c| !seen.contains(c))
                .unwrap_or(slug);
            seen.insert(renamed.clone());
            op["operationId"] = Value::String(renamed);
        }
    }
}

/// The document as YAML.
pub fn to_yaml(doc: &Value) -> String {
    yaml_serde::to_string(doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    /// Every route goes through `routes!` (so it is in the document): no route file mounts a
    /// handler with axum's plain `.route(`.
    #[test]
    fn no_route_is_mounted_past_the_document() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut checked = 0;
        let entries = ["src/routes", "src/console"].iter().flat_map(|d| {
            std::fs::read_dir(root.join(d))
                .into_iter()
                .flatten()
                .flatten()
        });
        for entry in entries {
            let path = entry.path();
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                assert!(
                    !code.contains(".route(") && !code.contains(".route_service("),
                    "{}:{}: mount routes with `.routes(routes!(handler))`",
                    path.display(),
                    n + 1
                );
            }
            checked += 1;
        }
        assert!(checked >= 10, "read only {checked} route files");
    }

    #[test]
    fn operation_ids_are_unique() {
        let doc = super::document(true, "http://127.0.0.1:8080");
        let mut seen = std::collections::HashSet::new();
        for (path, item) in doc["paths"].as_object().cloned().unwrap_or_default() {
            for (method, op) in item.as_object().cloned().unwrap_or_default() {
                let id = op["operationId"].as_str().unwrap_or_default().to_string();
                assert!(seen.insert(id.clone()), "{method} {path}: {id} twice");
            }
        }
    }

    #[test]
    fn no_operation_repeats_a_parameter() {
        let doc = super::document(true, "http://127.0.0.1:8080");
        for (path, item) in doc["paths"].as_object().cloned().unwrap_or_default() {
            for (method, op) in item.as_object().cloned().unwrap_or_default() {
                let params = op["parameters"].as_array().cloned().unwrap_or_default();
                let mut seen = std::collections::HashSet::new();
                for p in params {
                    assert!(
                        seen.insert((p["name"].to_string(), p["in"].to_string())),
                        "{method} {path} repeats {}",
                        p["name"]
                    );
                }
            }
        }
    }

    #[test]
    fn every_partner_operation_names_its_scope() {
        let doc = super::document(true, "http://127.0.0.1:8080");
        let paths = doc["paths"].as_object().cloned().unwrap_or_default();
        assert!(!paths.is_empty());
        for (path, item) in paths {
            if !path.starts_with("/integrations/") && !path.starts_with("/transactions/") {
                continue;
            }
            for (method, op) in item.as_object().cloned().unwrap_or_default() {
                let scopes = &op["security"][0]["goauth"];
                assert!(
                    scopes.as_array().is_some_and(|s| !s.is_empty()),
                    "{method} {path} names no scope"
                );
                assert!(op["summary"].is_string(), "{method} {path} has no summary");
            }
        }
    }
}
