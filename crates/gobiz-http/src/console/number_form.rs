//! What the console's forms of numbers share (the chaos card, the scenario form): text fields
//! read into numbers with a violation naming the request path when they are not, an input
//! with the server's messages next to it, and the redirect after a plain (no-JavaScript) post.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gobiz_domain::validation::Violation;
use maud::{html, Markup};

/// The trimmed text of a form field, `None` when absent or blank.
pub fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// The field read as a `T`; a field that is not one adds a violation at `path`.
pub fn number<T: std::str::FromStr>(
    bad: &mut Vec<Violation>,
    path: &str,
    v: &Option<String>,
) -> Option<T> {
    let t = text(v)?;
    match t.parse::<T>() {
        Ok(n) => Some(n),
        Err(_) => {
            bad.push(Violation {
                path: path.into(),
                problem: format!("{t:?} is not a number"),
            });
            None
        }
    }
}

/// A labelled text input `name` (id `{prefix}-{name}`) with the messages of `errors` whose
/// field (as `field_of` maps a request path) is `name`.
pub struct NumberInput<'a> {
    /// The id prefix of the form.
    pub prefix: &'a str,
    /// The violations to show.
    pub errors: &'a [Violation],
    /// Request path → field name.
    pub field_of: fn(&str) -> String,
    /// Shown but not editable (a read-only console).
    pub disabled: bool,
}

impl NumberInput<'_> {
    /// The input of field `name`.
    pub fn render(
        &self,
        name: &str,
        label: &str,
        value: &Option<String>,
        placeholder: &str,
    ) -> Markup {
        let mine: Vec<String> = self
            .errors
            .iter()
            .filter(|v| (self.field_of)(&v.path) == name)
            .map(|v| v.message())
            .collect();
        let id = format!("{}-{name}", self.prefix);
        html! {
            label for=(id) { (label) }
            input id=(id) name=(name) type="text" inputmode="decimal" placeholder=(placeholder)
                value=(value.clone().unwrap_or_default())
                aria-invalid=[(!mine.is_empty()).then_some("true")] disabled[self.disabled];
            @for m in &mine { p.field-error role="alert" { (m) } }
        }
    }
}

/// `303 See Other` to `to`.
pub fn see_other(to: &str) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}
