//! What the server says about itself: the OpenAPI document (`/openapi.json`, `/openapi.yaml`),
//! its reference page (`/docs/`, Swagger UI embedded in the binary, no network needed) and the
//! landing page a browser sees at `/`.

use crate::envelope::{ApiError, Failure};
use crate::pages::html_response;
use crate::AppState;
use axum::extract::{Extension, Path};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use gobiz_domain::model::Mode;
use maud::{html, DOCTYPE};
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The rendered document and what the pages show, made once when the app is built.
pub struct Published {
    json: axum::body::Bytes,
    yaml: axum::body::Bytes,
    swagger: Arc<utoipa_swagger_ui::Config<'static>>,
    base_url: String,
    mode: Mode,
    sandbox: bool,
    console: bool,
}

impl Published {
    /// Renders `doc` for a server at `base_url`.
    pub fn new(
        doc: &serde_json::Value,
        base_url: &str,
        mode: Mode,
        sandbox: bool,
        console: bool,
    ) -> Published {
        let json = serde_json::to_vec_pretty(doc).unwrap_or_default();
        let swagger = utoipa_swagger_ui::Config::new(["/openapi.json"])
            .try_it_out_enabled(true)
            .persist_authorization(false)
            .display_request_duration(true)
            .filter(true);
        Published {
            json: json.into(),
            yaml: crate::openapi::to_yaml(doc).into_bytes().into(),
            swagger: Arc::new(swagger),
            base_url: base_url.trim_end_matches('/').to_string(),
            mode,
            sandbox,
            console,
        }
    }
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(landing))
        .routes(routes!(openapi_json))
        .routes(routes!(openapi_yaml))
        .routes(routes!(docs_root))
        .routes(routes!(docs_index))
        .routes(routes!(docs_file))
}

fn typed(body: axum::body::Bytes, content_type: &'static str) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// The OpenAPI 3.1 document of this server.
#[utoipa::path(get, path = "/openapi.json", tag = "Server",
    summary = "The OpenAPI 3.1 document (JSON)",
    description = "Every operation this server mounts, its parameters, bodies, answers and scopes, and the webhooks it sends. Import it into Postman, Insomnia or a client generator.",
    responses((status = 200, description = "The document", content_type = "application/json", body = Object)))]
async fn openapi_json(Extension(p): Extension<Arc<Published>>) -> Response {
    typed(p.json.clone(), "application/json")
}

/// The same document as YAML.
#[utoipa::path(get, path = "/openapi.yaml", tag = "Server",
    summary = "The OpenAPI 3.1 document (YAML)",
    responses((status = 200, description = "The document", content_type = "application/yaml", body = Object)))]
async fn openapi_yaml(Extension(p): Extension<Arc<Published>>) -> Response {
    typed(p.yaml.clone(), "application/yaml")
}

/// `/docs` → `/docs/`, so that the page's relative asset paths resolve.
#[utoipa::path(get, path = "/docs", tag = "Server",
    summary = "The API reference (redirect)",
    responses((status = 308, description = "To `/docs/`", headers(("Location" = String, description = "`/docs/`")))))]
async fn docs_root() -> Response {
    let mut resp = StatusCode::PERMANENT_REDIRECT.into_response();
    resp.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static("/docs/"));
    resp
}

/// The reference page: Swagger UI over `/openapi.json`, with "try it out" against this server.
#[utoipa::path(get, path = "/docs/", tag = "Server",
    summary = "The API reference page",
    description = "An interactive reference of this document (Swagger UI, served from the binary: it works with no network).",
    responses((status = 200, description = "HTML", content_type = "text/html", body = String)))]
async fn docs_index(Extension(p): Extension<Arc<Published>>) -> Response {
    swagger_file(&p, "index.html", "/docs/")
}

/// An asset of the reference page.
#[utoipa::path(get, path = "/docs/{file}", tag = "Server",
    summary = "An asset of the reference page",
    params(("file" = String, Path, description = "e.g. `swagger-ui.css`")),
    responses(
        (status = 200, description = "The file", content(
            (String = "text/html"), (String = "text/css"), (String = "text/javascript"),
            (String = "application/javascript"), (String = "image/png"))),
        (status = 404, description = "No such file", body = Failure),
    ))]
async fn docs_file(Extension(p): Extension<Arc<Published>>, Path(file): Path<String>) -> Response {
    swagger_file(&p, &file, &format!("/docs/{file}"))
}

fn swagger_file(p: &Published, file: &str, path: &str) -> Response {
    let found = utoipa_swagger_ui::serve(file, p.swagger.clone())
        .ok()
        .flatten()
        .filter(|_| !file.contains('/'));
    let Some(found) = found else {
        return ApiError::no_route("GET", path).into_response();
    };
    let mut resp = (StatusCode::OK, found.bytes.into_owned()).into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&found.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if found.gzpipped {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

/// True when the client asks for HTML by name (a browser), not `*/*` or JSON.
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|member| {
            let mut parts = member.split(';');
            let media = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .is_some_and(|q| q.trim().parse::<f32>().unwrap_or(0.0) <= 0.0)
            });
            media.eq_ignore_ascii_case("text/html") && !refused
        })
}

/// The landing page for browsers; API clients get the 404 envelope of an unknown route.
#[utoipa::path(get, path = "/", tag = "Server",
    summary = "The landing page",
    description = "For a browser (`Accept: text/html`): what this server is, its mode, links to the reference, this document and OIDC discovery, and the first steps with this server's URL. Any other client gets the 404 envelope of an unknown route.",
    responses(
        (status = 200, description = "HTML", content_type = "text/html", body = String),
        (status = 404, description = "Not a browser: `No route for GET /`", body = Failure),
    ))]
async fn landing(
    Extension(p): Extension<Arc<Published>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if !wants_html(&headers) {
        return ApiError::no_route("GET", uri.path()).into_response();
    }
    html_response(StatusCode::OK, landing_page(&p))
}

fn landing_page(p: &Published) -> maud::Markup {
    let base = &p.base_url;
    let mode = match p.mode {
        Mode::Sandbox => "sandbox",
        Mode::Production => "production",
    };
    let token_cmd = format!(
        "curl -sS -u \"$CLIENT_ID:$CLIENT_SECRET\" -d grant_type=client_credentials \\\n  -d scope=partner:outlet:read {base}/oauth2/token"
    );
    let call_cmd = format!(
        "curl -sS -H \"Authorization: Bearer $TOKEN\" \\\n  {base}/integrations/partner/v1/linked-outlets"
    );
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "gobiz — GoBiz Partner Integration API" }
                style { (crate::pages::STYLE) }
            }
            body {
                @if p.mode == Mode::Sandbox {
                    div.sandbox role="note" { "Sandbox: test data only, the clock can be moved." }
                }
                main.wide {
                    h1 { "gobiz" }
                    p {
                        "A self-hostable implementation of the GoBiz Partner Integration API: GoAuth, outlets, GoFood menus, orders and promotions, QRIS payments, MokaPOS reports and signed webhooks."
                    }
                    p { "This server runs in " strong { (mode) } " mode at " code { (base) } "."
                        @if p.sandbox { " The sandbox control API is mounted under " code { "/sandbox/v1" } "." }
                    }
                    h2 { "Reference" }
                    ul {
                        @if p.console {
                            li { a href="/console" { "Console" } " — outlets, menus, live orders, webhook deliveries, payments and the clock, in a browser (sign in with the admin token)" }
                        }
                        li { a href="/docs/" { "API reference" } " — every operation, with “try it out” against this server" }
                        li { a href="/openapi.json" { "OpenAPI document (JSON)" } " · " a href="/openapi.yaml" { "YAML" } " — import into Postman, Insomnia or a client generator" }
                        li { a href="/.well-known/openid-configuration" { "OpenID Connect discovery" } " · " a href="/.well-known/jwks.json" { "signing keys" } }
                    }
                    h2 { "First steps" }
                    ol {
                        li { "Get a token with your OAuth client (" code { "serve --demo" } " prints a demo client):" pre { code { (token_cmd) } } }
                        li { "Call the API with it:" pre { code { (call_cmd) } } }
                        @if p.sandbox {
                            li { "Place a test order, move the clock, watch deliveries: see the " a href="/docs/#/Sandbox" { "Sandbox" } " operations (admin token)." }
                        }
                    }
                }
            }
        }
    }
}
