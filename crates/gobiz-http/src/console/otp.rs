//! The OTP inbox: the login codes the built-in OTP sender delivered to merchant users' phones
//! (the latest per phone), live by Server-Sent Events — the listing form of
//! `GET /sandbox/v1/otp`.

use crate::console::{page, ConsoleUser, Nav};
use crate::envelope::ApiError;
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use gobiz_domain::goauth::Locale;
use gobiz_domain::model::Mode;
use gobiz_domain::timefmt::rfc3339_seconds;
use gobiz_services::sandbox::InboxOtp;
use maud::{html, Markup};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// OTPs shown at most.
const LIMIT: u64 = 50;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(inbox))
        .routes(routes!(live))
}

struct Words {
    title: &'static str,
    intro: &'static str,
    phone: &'static str,
    code: &'static str,
    sent: &'static str,
    expires: &'static str,
    tries_left: &'static str,
    status: &'static str,
    live: &'static str,
    void: &'static str,
    none: &'static str,
    hidden: &'static str,
    back: &'static str,
}

const EN: Words = Words {
    title: "OTP inbox",
    intro: "The one-time passwords the built-in sender delivered to merchant users during a login (the latest per phone). New codes appear by themselves.",
    phone: "Phone",
    code: "Code",
    sent: "Sent",
    expires: "Expires",
    tries_left: "Tries left",
    status: "Status",
    live: "live",
    void: "expired or used",
    none: "No OTP yet: start a merchant login to get one.",
    hidden: "Codes are only shown in sandbox mode with the built-in sender.",
    back: "Partners",
};

const ID: Words = Words {
    title: "Kotak OTP",
    intro: "Kata sandi sekali pakai yang dikirim pengirim bawaan ke pengguna merchant saat login (yang terbaru per nomor). Kode baru muncul sendiri.",
    phone: "Telepon",
    code: "Kode",
    sent: "Dikirim",
    expires: "Kedaluwarsa",
    tries_left: "Sisa percobaan",
    status: "Status",
    live: "berlaku",
    void: "kedaluwarsa atau terpakai",
    none: "Belum ada OTP: mulai login merchant untuk mendapatkannya.",
    hidden: "Kode hanya ditampilkan dalam mode sandbox dengan pengirim bawaan.",
    back: "Mitra",
};

fn words(l: Locale) -> &'static Words {
    match l {
        Locale::En => &EN,
        Locale::Id => &ID,
    }
}

fn rows(w: &Words, list: &[InboxOtp]) -> Markup {
    html! {
        @if list.is_empty() {
            tr { td colspan="6" .muted #no-otps { (w.none) } }
        }
        @for o in list {
            tr .otp data-phone=(o.phone) {
                td { (o.phone) }
                td { strong .otp-code { code { (o.code) } } }
                td { (rfc3339_seconds(o.sent_at)) }
                td { (rfc3339_seconds(o.expires_at)) }
                td { (o.attempts_left) }
                td {
                    @if o.live { span.badge.ok { (w.live) } } @else { span.badge { (w.void) } }
                }
            }
        }
    }
}

/// Codes are shown only in sandbox mode (production consoles are read-only views of real
/// users, whose codes stay secret).
async fn list(s: &AppState) -> Result<Option<Vec<InboxOtp>>, ApiError> {
    if s.services.config.mode == Mode::Production {
        return Ok(None);
    }
    Ok(Some(s.services.otp_inbox(LIMIT).await?))
}

/// The OTP inbox.
#[utoipa::path(get, path = "/console/otp", tag = "Console",
    summary = "The OTP inbox",
    description = "The login OTPs the built-in sender delivered (the latest per phone, newest first) with their expiry, tries left and whether they are still live; the rows update through `/console/otp/live`. Empty in production.",
    responses(
        (status = 200, description = "HTML", content_type = "text/html", body = String),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn inbox(State(s): State<AppState>, user: ConsoleUser) -> Result<Response, ApiError> {
    let w = words(user.locale);
    let otps = list(&s).await?;
    let body = html! {
        p { a href="/console/partners" { "← " (w.back) } }
        p.muted { (w.intro) }
        @if let Some(otps) = otps {
            div style="overflow-x:auto" sse-connect="/console/otp/live" {
                table #otps {
                    thead { tr {
                        th scope="col" { (w.phone) } th scope="col" { (w.code) } th scope="col" { (w.sent) }
                        th scope="col" { (w.expires) } th scope="col" { (w.tries_left) } th scope="col" { (w.status) }
                    } }
                    tbody #otp-rows sse-swap="otps" aria-live="polite" { (rows(w, &otps)) }
                }
            }
        } @else {
            p #otp-hidden { (w.hidden) }
        }
    };
    Ok(page(&user, Nav::Partners, w.title, body))
}

/// The OTP inbox, live.
#[utoipa::path(get, path = "/console/otp/live", tag = "Console",
    summary = "The OTP inbox, live",
    description = "Server-Sent Events: `event: otps` with the table rows of `/console/otp`, sent at once and then whenever they change (checked every second).",
    responses(
        (status = 200, description = "An event stream", content_type = "text/event-stream", body = crate::openapi::SseEvent),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
    ),
    security(("console_session" = [])))]
async fn live(State(s): State<AppState>, user: ConsoleUser) -> Response {
    let w = words(user.locale);
    let state = s.clone();
    super::live::feed(&state, "otps", move || {
        let s = s.clone();
        async move {
            list(&s)
                .await
                .ok()
                .map(|l| rows(w, &l.unwrap_or_default()).into_string())
        }
    })
}
