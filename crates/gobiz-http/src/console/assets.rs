//! The console's static files, embedded in the binary: vendored htmx and its SSE extension
//! (see `assets/vendor/README.md` for versions, licences and digests), the console's own small
//! script, and its stylesheet (the login pages' rules plus the console's).

use crate::envelope::{ApiError, Failure};
use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const HTMX: &[u8] = include_bytes!("../../assets/vendor/htmx-2.0.11.min.js");
const HTMX_SSE: &[u8] = include_bytes!("../../assets/vendor/htmx-ext-sse-2.2.4.min.js");
const HTMX_LICENSE: &[u8] = include_bytes!("../../assets/vendor/htmx.LICENSE");
const HTMX_SSE_LICENSE: &[u8] = include_bytes!("../../assets/vendor/htmx-ext-sse.LICENSE");

/// The console's own behaviour: confirmations, countdowns, and the CSRF header for htmx.
const CONSOLE_JS: &str = r#"(function () {
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); e.stopPropagation(); }
  }, true);
  document.addEventListener("htmx:confirm", function (e) {
    var form = e.target.closest("form");
    var msg = form && form.getAttribute("data-confirm");
    if (msg) { e.preventDefault(); if (window.confirm(msg)) { e.detail.issueRequest(true); } }
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    var x = e.detail.xhr, ct = x.getResponseHeader("content-type") || "";
    if (x.status >= 400 && x.status < 500 && ct.indexOf("text/html") === 0) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });
  function tick() {
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = Math.round((Date.parse(el.getAttribute("data-deadline")) - Date.now() - (Number(el.getAttribute("data-offset-ms")) || 0)) / 1000);
      el.textContent = left > 0 ? Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0") : "0:00";
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
})();
"#;

/// The console's additions to the login pages' stylesheet.
const CONSOLE_CSS: &str = "\
body.console{background:#f4f6f5}header.console{background:#0b3d12;color:#fff;display:flex;\
flex-wrap:wrap;align-items:center;gap:4px 18px;padding:10px 18px}header.console nav{display:flex;flex-wrap:wrap;gap:2px 4px;min-width:0}header.console a{color:#fff;\
text-decoration:none;padding:4px 6px;border-radius:6px}header.console a[aria-current=page]{\
background:#00aa13}header.console .brand{font-weight:700;margin-right:8px}header.console form{\
margin:0 0 0 auto}header.console button{margin:0;padding:6px 12px;background:#e8e8e8;color:#333}\
.lang a{font-size:.9em;opacity:.85}main.console{max-width:1100px;margin:20px auto;background:#fff;\
padding:24px;border-radius:12px;box-shadow:0 2px 8px rgba(0,0,0,.08);box-sizing:border-box}\
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px;margin:12px 0}\
.card{border:1px solid #e3e7e4;border-radius:10px;padding:12px}.card .n{font-size:1.6em;\
font-weight:700;color:#0b3d12}table{border-collapse:collapse;width:100%;margin:10px 0}\
th,td{text-align:left;padding:8px;border-bottom:1px solid #eceeed;vertical-align:top}\
th{font-size:.85em;color:#555}.badge{display:inline-block;padding:2px 8px;border-radius:10px;\
background:#e8e8e8;font-size:.8em}.badge.ok{background:#e8f5e9;color:#1b5e20}.badge.bad{\
background:#fdecea;color:#8e1b1b}.badge.wait{background:#fff4e5;color:#8a4b00}\
.actions{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-end}.actions form{margin:0}\
.actions button{margin-top:0}.field-error{color:#c62828;margin:4px 0}.read-only{background:#e3f2fd;\
color:#0d47a1;text-align:center;padding:8px;font-weight:600}input[type=number],input[type=password],\
select{padding:8px;font-size:1em;box-sizing:border-box}input[type=password]{width:100%}\
.muted{color:#666;font-size:.9em}\
label.inline{display:inline-block;margin:4px 14px 4px 0}fieldset{border:1px solid #e3e7e4;border-radius:8px;\
margin:10px 0;padding:8px 12px}fieldset.variant-choice{border-style:dashed}select[aria-invalid=true],\
fieldset[aria-invalid=true]{border:2px solid #c62828}.promo-price{color:#00880d}dl{display:grid;\
grid-template-columns:max-content 1fr;gap:4px 14px}dd{margin:0}td form{margin:4px 0}td button{margin-top:4px;\
padding:6px 10px}input[type=email]{width:100%;padding:10px;box-sizing:border-box;font-size:1.1em}\
@media (max-width:640px){main.console{margin:0;border-radius:0;padding:14px}\
td,th{padding:6px 4px;font-size:.9em}header.console form{margin-left:0}}";

/// The console stylesheet: the pages' base rules, then the console's.
fn stylesheet() -> String {
    format!("{}{}", crate::pages::STYLE, CONSOLE_CSS)
}

pub(super) fn router() -> OpenApiRouter<crate::AppState> {
    OpenApiRouter::new().routes(routes!(asset))
}

/// A static file of the console.
#[utoipa::path(get, path = "/console/assets/{file}", tag = "Console",
    summary = "A console asset",
    description = "htmx 2.0.11 and its SSE extension 2.2.4 (0BSD, vendored from npm), their licences, the console's script and stylesheet. No CDN: the console works offline.",
    params(("file" = String, Path, description = "e.g. `htmx.min.js`")),
    responses(
        (status = 200, description = "The file", content(
            (String = "text/javascript"), (String = "text/css"), (String = "text/plain"))),
        (status = 404, description = "No such file", body = Failure),
    ))]
async fn asset(Path(file): Path<String>) -> Response {
    let (body, content_type): (Vec<u8>, &'static str) = match file.as_str() {
        "htmx.min.js" => (HTMX.to_vec(), "text/javascript; charset=utf-8"),
        "htmx-sse.min.js" => (HTMX_SSE.to_vec(), "text/javascript; charset=utf-8"),
        "htmx.LICENSE.txt" => (HTMX_LICENSE.to_vec(), "text/plain; charset=utf-8"),
        "htmx-sse.LICENSE.txt" => (HTMX_SSE_LICENSE.to_vec(), "text/plain; charset=utf-8"),
        "console.js" => (
            CONSOLE_JS.as_bytes().to_vec(),
            "text/javascript; charset=utf-8",
        ),
        "console.css" => (stylesheet().into_bytes(), "text/css; charset=utf-8"),
        _ => {
            let missing = format!("Console asset {file} is not found");
            return ApiError::from(gobiz_services::ServiceError::NotFound(missing)).into_response();
        }
    };
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    resp
}
