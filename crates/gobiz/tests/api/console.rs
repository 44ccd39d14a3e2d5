//! The web console at `/console` (issue 17): server-rendered HTML with htmx, live updates by
//! Server-Sent Events. Sign-in, the session cookie, CSRF and the production rules are checked
//! over plain HTTP; the pages are driven in a real headless Chromium (`harness::browser`).

use crate::harness::*;

// ---------------------------------------------------------------------------------------------
// In a real browser
// ---------------------------------------------------------------------------------------------

/// The reference page at `/docs/` renders in a real browser that can reach nothing but this
/// machine: Swagger UI's JavaScript, served by the binary, draws the document's title.
#[tokio::test]
async fn reference_page_renders_offline_in_a_browser() {
    on_sqlite(reference_page_renders_offline, &[]).await;
}

async fn reference_page_renders_offline(app: TestApp) {
    let b = Browser::start().await;
    b.goto(&app.url("/docs/")).await;
    let title = b
        .wait_for_text_in(".swagger-ui .info .title", "GoBiz Partner Integration API")
        .await;
    assert!(title.contains("GoBiz Partner Integration API"), "{title}");
    // The operations are listed too: the document was read and rendered.
    b.wait_for(".swagger-ui .opblock").await;
}
