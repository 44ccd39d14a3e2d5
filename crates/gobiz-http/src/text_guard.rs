//! Control characters stop at the edge (issue 13, defect 3). PostgreSQL refuses U+0000 in
//! text ("invalid byte sequence for encoding UTF8: 0x00") while SQLite stores it, so a NUL
//! that reached the store answered 500 on one engine and was kept on the other. Every way
//! text enters — the path, the query, JSON strings and keys, form fields — is checked here
//! with one rule, and refused with a 400 that names the field, the same on both engines.

use crate::envelope::ApiError;
use axum::extract::Request;
use axum::response::Response;
use gobiz_domain::validation::Violation;
use percent_encoding::percent_decode_str;
use serde_json::Value;

/// Characters no id, name, token or query value may hold: every C0 control and DEL.
pub fn is_forbidden_in_token(c: char) -> bool {
    c.is_ascii_control()
}

/// Characters no JSON string may hold: U+0000, the other C0 controls but tab, line feed and
/// carriage return (free text such as a description may have lines), and DEL.
pub fn is_forbidden_in_text(c: char) -> bool {
    c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// How a refused character is named in a message: `U+0000`.
fn code_point(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

/// The problem with a token-like value, if it holds a forbidden character.
pub fn token_problem(value: &str) -> Option<String> {
    value
        .chars()
        .find(|c| is_forbidden_in_token(*c))
        .map(|c| format!("must not contain control characters ({})", code_point(c)))
}

/// The first form or query field (`name=value` pairs, decoded) whose name or value holds a
/// control character, as `(field, problem)`.
pub fn pairs_problem(pairs: &[(String, String)]) -> Option<(String, String)> {
    pairs.iter().find_map(|(name, value)| {
        token_problem(name)
            .or_else(|| token_problem(value))
            .map(|problem| (printable(name), problem))
    })
}

/// A field name fit for a message: control characters shown as code points.
fn printable(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() {
                code_point(c)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The first JSON string or key in `bytes` that holds a forbidden character, as a violation
/// naming its JSON path (`items[0].name`). A raw control character is already a syntax error
/// in JSON, so only `\u00XX` / `\u007F` escapes can bring one: documents without such an
/// escape are not parsed a second time.
pub fn json_violation(bytes: &[u8]) -> Option<Violation> {
    let has_escape = bytes
        .windows(4)
        .any(|w| w[0] == b'\\' && w[1] == b'u' && w[2] == b'0' && w[3] == b'0');
    if !has_escape {
        return None;
    }
    let value: Value = serde_json::from_slice(bytes).ok()?;
    value_violation(&value, "")
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

fn text_problem(s: &str) -> Option<String> {
    s.chars()
        .find(|c| is_forbidden_in_text(*c))
        .map(|c| format!("must not contain control characters ({})", code_point(c)))
}

fn value_violation(v: &Value, path: &str) -> Option<Violation> {
    let at = |p: &str| {
        if p.is_empty() {
            "body".to_string()
        } else {
            p.to_string()
        }
    };
    match v {
        Value::String(s) => text_problem(s).map(|problem| Violation {
            path: at(path),
            problem,
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| value_violation(item, &format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, item)| {
            if let Some(problem) = text_problem(k) {
                return Some(Violation {
                    path: join(path, &printable(k)),
                    problem: format!("key {problem}"),
                });
            }
            value_violation(item, &join(path, k))
        }),
        _ => None,
    }
}

/// The refusal of a request whose path or query holds a control character (percent-encoded
/// or not), before any route sees it — GoBiz envelope, or RFC 6749 `invalid_request` on
/// `/oauth2/` paths. `None` when the request may go on.
pub fn refusal(req: &Request) -> Option<Response> {
    let path = req.uri().path();
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let mut problem = token_problem(&decoded).map(|p| ("path".to_string(), p));
    if problem.is_none() {
        if let Some(query) = req.uri().query() {
            let pairs = crate::extract::query_pairs(Some(query));
            problem = pairs_problem(&pairs).map(|(name, p)| (format!("query parameter {name}"), p));
        }
    }
    let (field, p) = problem?;
    Some(crate::routes::edge_refusal(
        path,
        ApiError::bad_request(vec![format!("{field}: {p}")]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_json_path() {
        let v = json_violation(br#"{"items":[{"name":"a\u0000b"}]}"#).unwrap();
        assert_eq!(v.path, "items[0].name");
        assert!(v.problem.contains("U+0000"));
        let v = json_violation(br#"{"a\u0001":1}"#).unwrap();
        assert_eq!(v.path, "aU+0001");
        assert!(json_violation(br#"{"d":"line\n\tnext\r"}"#).is_none());
        assert!(json_violation(br#"{"d":"\\u0000 is text"}"#).is_none());
        assert_eq!(json_violation(br#""\u007f""#).unwrap().path, "body");
    }

    #[test]
    fn pairs() {
        let pairs = vec![
            ("a".to_string(), "ok".to_string()),
            ("b".to_string(), "x\u{0}".to_string()),
        ];
        let (name, p) = pairs_problem(&pairs).unwrap();
        assert_eq!(name, "b");
        assert!(p.contains("U+0000"));
        assert!(token_problem("tab\there").is_some());
        assert!(token_problem("plain-id_1").is_none());
    }
}
