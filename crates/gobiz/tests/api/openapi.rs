//! The OpenAPI document (issue 16): served as JSON and YAML, equal to `gobiz openapi` and to
//! the committed `docs/openapi.json`, describing exactly the routes the server mounts; the
//! reference page works with no network; the landing page; no secrets in any of it.

use crate::harness::*;
use reqwest::Method;
use serde_json::Value;

/// `gobiz <args>`: its stdout, stderr and exit code.
fn gobiz(args: &[&str]) -> (String, String, i32) {
    let out = std::process::Command::new(gobiz_bin())
        .args(args)
        .env_remove("GOBIZ_PUBLIC_BASE_URL")
        .output()
        .expect("run gobiz");
    (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
        out.status.code().unwrap_or(-1),
    )
}

fn committed_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

/// A change to the API shows in review: the committed copy must be what the binary prints.
#[test]
fn committed_document_is_current() {
    let (generated, stderr, code) = gobiz(&["openapi"]);
    assert_eq!(code, 0, "gobiz openapi failed: {stderr}");
    let committed = std::fs::read_to_string(committed_path()).expect("read docs/openapi.json");
    let generated: Value = serde_json::from_str(&generated).expect("gobiz openapi prints JSON");
    let committed: Value = serde_json::from_str(&committed).expect("docs/openapi.json is JSON");
    assert!(
        generated == committed,
        "docs/openapi.json differs from what the binary generates; refresh it with\n  \
         cargo run -- openapi > docs/openapi.json\nand review the change"
    );
    assert_eq!(generated["openapi"], "3.1.0");
    assert_eq!(generated["servers"][0]["url"], "http://127.0.0.1:8080");
}

#[test]
fn yaml_is_the_same_document() {
    let (json, _, _) = gobiz(&["openapi", "--format", "json"]);
    let (yaml, stderr, code) = gobiz(&[
        "openapi",
        "--format",
        "yaml",
        "--public-base-url",
        "https://gobiz.example.com/",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let mut json: Value = serde_json::from_str(&json).unwrap();
    let yaml: Value = yaml_serde::from_str(&yaml).expect("YAML parses");
    assert_eq!(yaml["servers"][0]["url"], "https://gobiz.example.com");
    assert_eq!(
        yaml["components"]["securitySchemes"]["goauth"]["flows"]["clientCredentials"]["tokenUrl"],
        "https://gobiz.example.com/oauth2/token"
    );
    json["servers"] = yaml["servers"].clone();
    json["components"]["securitySchemes"] = yaml["components"]["securitySchemes"].clone();
    assert!(json == yaml, "the YAML document differs from the JSON one");
}

#[test]
fn wrong_format_is_refused() {
    let (_, stderr, code) = gobiz(&["openapi", "--format", "xml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid value 'xml'"), "{stderr}");
    assert!(
        stderr.contains("json") && stderr.contains("yaml"),
        "{stderr}"
    );
}

/// What is served is the generated document with this server's URL, in JSON and YAML.
async fn served_document_names_this_server(app: TestApp) {
    let r = app.get("/openapi.json").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    let (printed, _, _) = gobiz(&["openapi", "--public-base-url", &app.base]);
    let printed: Value = serde_json::from_str(&printed).unwrap();
    assert!(
        r.json == printed,
        "served document differs from `gobiz openapi`"
    );
    assert_eq!(r.json["servers"][0]["url"], app.base.as_str());

    let y = app.get("/openapi.yaml").await;
    assert_eq!(y.status, 200);
    assert_eq!(
        y.header("content-type").as_deref(),
        Some("application/yaml")
    );
    let yaml: Value = yaml_serde::from_str(&y.text).expect("YAML parses");
    assert!(
        yaml == printed,
        "served YAML differs from the JSON document"
    );
}
both_dbs!(served_document_names_this_server);

/// A concrete path for a template: parameters get values that reach the handler.
fn concrete(template: &str) -> String {
    if template == "/console/assets/{file}" {
        return "/console/assets/console.css".into();
    }
    template
        .split('/')
        .map(|seg| match seg {
            "{file}" => "index.html",
            "{order_type}" => "delivery",
            "{product}" => "gofood",
            s if s.starts_with('{') => "x1",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Every operation of the document is routed, and no method the document does not list is
/// routed on its paths (each answers 405), on either database.
async fn document_and_router_agree(app: TestApp) {
    let doc = app.get("/openapi.json").await.json;
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() > 80, "only {} paths", paths.len());
    let mut checked = 0;
    for (template, item) in paths {
        let path = concrete(template);
        for method in METHODS {
            let documented = item.get(method.to_ascii_lowercase()).is_some();
            let mut rb = app.request(Method::from_bytes(method.as_bytes()).unwrap(), &path);
            if template == "/" {
                rb = rb.header("accept", "text/html");
            }
            let r = app.send(rb).await;
            let unrouted = r.status == 404
                && r.json["errors"][0]["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("No route for"));
            if documented {
                assert!(
                    !unrouted && r.status != 405,
                    "{method} {template} is in the document but not routed: {} {}",
                    r.status,
                    r.text
                );
                checked += 1;
            } else {
                assert_eq!(
                    r.status, 405,
                    "{method} {template} is routed (answered {}) but not in the document: {}",
                    r.status, r.text
                );
            }
        }
    }
    assert!(checked > 100, "only {checked} operations");
}
both_dbs!(document_and_router_agree);

/// `/docs` is a reference page served from the binary: every asset it loads comes from this
/// server, and it reads this server's document.
async fn reference_page_needs_no_network(app: TestApp) {
    let r = app.get("/docs").await;
    assert_eq!(r.status, 308);
    assert_eq!(r.header("location").as_deref(), Some("/docs/"));
    let page = app.get("/docs/").await;
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(
        !page.text.contains("http://")
            && !page.text.contains("https://")
            && !page.text.contains("//cdn"),
        "the page loads something from elsewhere: {}",
        page.text
    );
    let assets: Vec<String> = regex::Regex::new(r#"(?:src|href)="\./([^"]+)""#)
        .unwrap()
        .captures_iter(&page.text)
        .map(|c| c[1].to_string())
        .collect();
    assert!(assets.len() >= 4, "assets: {assets:?}");
    for asset in &assets {
        let r = app.get(&format!("/docs/{asset}")).await;
        assert_eq!(r.status, 200, "/docs/{asset}");
        assert!(!r.text.is_empty(), "/docs/{asset} is empty");
    }
    let init = app.get("/docs/swagger-initializer.js").await;
    assert!(init.text.contains("/openapi.json"), "{}", init.text);

    for missing in ["/docs/nope.js", "/docs/a/b", "/docs/..%2fCargo.toml"] {
        let r = app.get(missing).await;
        assert_eq!(r.status, 404, "{missing}");
        assert_eq!(r.json["success"], false, "{missing}: {}", r.text);
    }
}
both_dbs!(reference_page_needs_no_network);

/// Browsers get the landing page at `/`; API clients still get the 404 envelope.
async fn landing_page_for_browsers_only(app: TestApp) {
    let html = app
        .send(
            app.request(Method::GET, "/")
                .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8"),
        )
        .await;
    assert_eq!(html.status, 200);
    assert!(html
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    for needle in [
        "href=\"/docs/\"",
        "href=\"/openapi.json\"",
        "href=\"/console\"",
        "href=\"/.well-known/openid-configuration\"",
        "sandbox",
        &format!("{}/oauth2/token", app.base),
    ] {
        assert!(
            html.text.contains(needle),
            "landing page lacks {needle}: {}",
            html.text
        );
    }
    for accept in [
        None,
        Some("application/json"),
        Some("*/*"),
        Some("text/html;q=0"),
    ] {
        let mut rb = app.request(Method::GET, "/");
        if let Some(a) = accept {
            rb = rb.header("accept", a);
        }
        let r = app.send(rb).await;
        assert_eq!(r.status, 404, "Accept {accept:?}");
        assert_eq!(r.json["errors"][0]["message"], "No route for GET /");
    }
}
both_dbs!(landing_page_for_browsers_only);

/// The document and the page show placeholders, never a secret of this server.
async fn no_secret_in_the_document(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let doc = app.get("/openapi.json").await.text;
    let yaml = app.get("/openapi.yaml").await.text;
    let page = app
        .send(app.request(Method::GET, "/").header("accept", "text/html"))
        .await
        .text;
    for text in [&doc, &yaml, &page] {
        for secret in [ADMIN_TOKEN, &fx.client_secret, &fx.notification_secret] {
            assert!(!text.contains(secret), "a secret is published");
        }
    }
}
both_dbs!(no_secret_in_the_document);
