//! Every response a test receives is checked against the published OpenAPI document
//! (`docs/openapi.json`, which `openapi::committed_document_is_current` keeps equal to what the
//! binary generates): the operation must list the status, and a JSON body must match that
//! status's schema. A mismatch fails the test that saw it.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use reqwest::Method;
use serde_json::Value;

use super::client::Resp;

/// The committed document.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        serde_json::from_str(include_str!("../../../../../docs/openapi.json"))
            .expect("docs/openapi.json is JSON")
    })
}

/// True when the template `/a/{id}/b` matches the concrete `path`.
pub fn template_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}

/// The document's operation for `method path` and its path template (literal segments win
/// over `{params}`, as in the router).
pub fn operation(method: &Method, path: &str) -> Option<(String, &'static Value)> {
    let paths = document()["paths"].as_object()?;
    let method = method.as_str().to_ascii_lowercase();
    paths
        .iter()
        .filter(|(template, item)| template_matches(template, path) && item.get(&method).is_some())
        .min_by_key(|(template, _)| template.matches('{').count())
        .map(|(template, item)| (template.clone(), &item[&method]))
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .unwrap_or(&Value::Null),
        None => v,
    }
}

/// A compiled validator per (template, method, status), made once per test process.
fn validate(key: String, schema: &Value, body: &Value) -> Result<(), String> {
    static CACHE: OnceLock<Mutex<HashMap<String, jsonschema::Validator>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().expect("validator cache");
    if !cache.contains_key(&key) {
        let mut root = schema.clone();
        if let Some(obj) = root.as_object_mut() {
            obj.insert("components".into(), document()["components"].clone());
        }
        let validator = jsonschema::draft202012::new(&root)
            .map_err(|e| format!("the document's schema for {key} does not compile: {e}"))?;
        cache.insert(key.clone(), validator);
    }
    let validator = &cache[&key];
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// Checks `resp` (to `method path`) against the document; panics on a mismatch.
pub fn check(method: &Method, path: &str, resp: &Resp) {
    if let Err(e) = conformance(method, path, resp) {
        panic!(
            "response does not match docs/openapi.json: {method} {path} → {}: {e}\nbody: {}",
            resp.status,
            resp.text.chars().take(2000).collect::<String>()
        );
    }
}

fn conformance(method: &Method, path: &str, resp: &Resp) -> Result<(), String> {
    let doc = document();
    let Some((template, op)) = operation(method, path) else {
        // Not an operation: an unknown route (404) or a wrong method (405), both envelopes
        // (RFC 6749 errors under /oauth2/).
        if path.starts_with("/oauth2/") {
            return match resp.json["error"].is_string() {
                true => Ok(()),
                false => Err("an /oauth2/ refusal without an RFC 6749 `error`".into()),
            };
        }
        if resp.json.is_object() {
            return validate(
                "no-route".into(),
                &serde_json::json!({ "$ref": "#/components/schemas/Failure" }),
                &resp.json,
            );
        }
        return Ok(());
    };
    let status = resp.status.to_string();
    let responses = &op["responses"];
    let declared = responses
        .get(&status)
        .or_else(|| responses.get("default"))
        .ok_or_else(|| {
            format!(
                "status {status} is not listed for {} {template} (it lists {:?})",
                method.as_str(),
                responses.as_object().map(|o| o.keys().collect::<Vec<_>>())
            )
        })?;
    let declared = resolve(doc, declared);
    let content_type = resp
        .headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let Some(content) = declared.get("content").and_then(Value::as_object) else {
        return Ok(());
    };
    if content_type.is_empty() && resp.text.is_empty() {
        return Ok(());
    }
    let media = content
        .iter()
        .find(|(listed, _)| {
            listed
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case(&content_type)
        })
        .map(|(_, media)| media)
        .or_else(|| content.get("*/*"))
        .ok_or_else(|| {
            format!(
                "content type {content_type:?} is not listed for {status} (it lists {:?})",
                content.keys().collect::<Vec<_>>()
            )
        })?;
    if content_type != "application/json" {
        return Ok(());
    }
    let Some(schema) = media.get("schema") else {
        return Ok(());
    };
    validate(
        format!("{} {template} {status}", method.as_str()),
        schema,
        &resp.json,
    )
}
