//! The console's page frame: navigation, language switch, sign-out, banners, and the headers
//! every console page carries. Pages are server-rendered and readable without JavaScript;
//! htmx (from `/console/assets/`) adds live updates and in-place actions.

use crate::console::session::ConsoleUser;
use crate::console::words;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gobiz_domain::goauth::Locale;
use maud::{html, Markup, DOCTYPE};

/// Which navigation entry is the current page.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Overview,
    Outlets,
    Orders,
    Webhooks,
    Payments,
    Partners,
    Moka,
    Scenarios,
}

fn head(title: &str, console: &str) -> Markup {
    html! {
        meta charset="utf-8";
        meta name="viewport" content="width=device-width, initial-scale=1";
        title { (title) " — " (console) }
        link rel="stylesheet" href="/console/assets/console.css";
        script src="/console/assets/htmx.min.js" defer {}
        script src="/console/assets/htmx-sse.min.js" defer {}
        script src="/console/assets/console.js" defer {}
    }
}

/// A whole console page for a signed-in user.
pub fn page(user: &ConsoleUser, nav: Nav, title: &str, body: Markup) -> Response {
    let w = user.words();
    let entries = [
        (Nav::Overview, "/console", w.nav_overview),
        (Nav::Outlets, "/console/outlets", w.nav_outlets),
        (Nav::Orders, "/console/orders", w.nav_orders),
        (Nav::Webhooks, "/console/webhooks", w.nav_webhooks),
        (Nav::Payments, "/console/payments", w.nav_payments),
        (Nav::Partners, "/console/partners", w.nav_partners),
        (Nav::Moka, "/console/moka", w.nav_moka),
        (Nav::Scenarios, "/console/scenarios", w.nav_scenarios),
    ];
    let headers = format!("{{\"X-CSRF-Token\": \"{}\"}}", user.csrf);
    let markup = html! {
        (DOCTYPE)
        html lang=(user.locale.as_str()) {
            head { (head(title, w.console)) }
            body.console hx-headers=(headers) hx-ext="sse" {
                @if user.read_only {
                    div.read-only role="note" { (w.read_only_banner) }
                } @else {
                    div.sandbox role="note" { (w.sandbox_banner) }
                }
                header.console {
                    a.brand href="/console" { (w.console) }
                    nav aria-label=(w.console) {
                        @for (entry, href, label) in entries {
                            a href=(href) aria-current=[(entry == nav).then_some("page")] { (label) }
                        }
                    }
                    span.lang aria-label=(w.language) {
                        a href="?lang=en" hreflang="en" lang="en" { "EN" }
                        a href="?lang=id" hreflang="id" lang="id" { "ID" }
                    }
                    form method="post" action="/console/sign-out" {
                        input type="hidden" name="csrf" value=(user.csrf);
                        button #sign-out type="submit" { (w.sign_out) }
                    }
                }
                main.console {
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    respond(StatusCode::OK, markup)
}

/// A page without navigation (sign-in).
pub fn bare_page(status: StatusCode, locale: Locale, title: &str, body: Markup) -> Response {
    let w = words::of(locale);
    let markup = html! {
        (DOCTYPE)
        html lang=(locale.as_str()) {
            head { (head(title, w.console)) }
            body {
                div.sandbox role="note" { (w.console) }
                main { h1 { (title) } (body) }
            }
        }
    };
    respond(status, markup)
}

/// A piece of a page, for htmx to swap in.
pub fn fragment(markup: Markup) -> Response {
    respond(StatusCode::OK, markup)
}

/// The hidden CSRF field of a console form.
pub fn csrf_field(user: &ConsoleUser) -> Markup {
    html! { input type="hidden" name="csrf" value=(user.csrf); }
}

fn respond(status: StatusCode, markup: Markup) -> Response {
    let mut resp = (status, markup).into_response();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; connect-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    resp
}
