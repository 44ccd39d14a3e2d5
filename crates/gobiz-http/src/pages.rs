//! Server-rendered HTML: the merchant login and consent pages (spec §2.5), error pages and
//! the demo callback. Plain forms, no JavaScript; Indonesian and English.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gobiz_domain::goauth::{scope_words, FlowStage, Locale};
use gobiz_services::goauth::{FlowPage, Notice};
use maud::{html, Markup, DOCTYPE};

/// Words of the pages in one language.
struct Words {
    login_title: &'static str,
    phone_label: &'static str,
    phone_hint: &'static str,
    send_otp: &'static str,
    otp_title: &'static str,
    otp_sent_to: &'static str,
    otp_label: &'static str,
    verify: &'static str,
    resend: &'static str,
    unknown_phone: &'static str,
    wrong_otp: &'static str,
    otp_void: &'static str,
    otp_resent: &'static str,
    consent_title: &'static str,
    consent_intro: &'static str,
    allow: &'static str,
    deny: &'static str,
}

const ID: Words = Words {
    login_title: "Masuk ke GoBiz",
    phone_label: "Nomor telepon",
    phone_hint: "Nomor yang terdaftar di aplikasi GoBiz, mis. 0812…",
    send_otp: "Kirim kode OTP",
    otp_title: "Masukkan kode OTP",
    otp_sent_to: "Kami mengirim kode 6 digit ke",
    otp_label: "Kode OTP",
    verify: "Verifikasi",
    resend: "Kirim ulang kode",
    unknown_phone: "Nomor telepon ini tidak terdaftar di GoBiz.",
    wrong_otp: "Kode salah. Sisa percobaan:",
    otp_void: "Kode tidak berlaku lagi. Minta kode baru.",
    otp_resent: "Kode baru telah dikirim.",
    consent_title: "Izinkan akses",
    consent_intro: "meminta izin untuk:",
    allow: "Izinkan",
    deny: "Tolak",
};

const EN: Words = Words {
    login_title: "Log in to GoBiz",
    phone_label: "Phone number",
    phone_hint: "The number registered in the GoBiz app, e.g. 0812…",
    send_otp: "Send OTP code",
    otp_title: "Enter the OTP code",
    otp_sent_to: "We sent a 6-digit code to",
    otp_label: "OTP code",
    verify: "Verify",
    resend: "Send a new code",
    unknown_phone: "This phone number is not registered with GoBiz.",
    wrong_otp: "Wrong code. Attempts left:",
    otp_void: "The code is no longer valid. Request a new code.",
    otp_resent: "A new code was sent.",
    consent_title: "Allow access",
    consent_intro: "asks for permission to:",
    allow: "Allow",
    deny: "Deny",
};

fn words(l: Locale) -> &'static Words {
    match l {
        Locale::Id => &ID,
        Locale::En => &EN,
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f6f5;margin:0}\
main{max-width:420px;margin:40px auto;background:#fff;padding:28px;border-radius:12px;\
box-shadow:0 2px 8px rgba(0,0,0,.08)}h1{font-size:1.4em;color:#00880d}\
label{display:block;margin:14px 0 6px}input[type=text],input[type=tel]{width:100%;padding:10px;\
box-sizing:border-box;font-size:1.1em}button{margin-top:16px;padding:10px 18px;font-size:1em;\
border:0;border-radius:8px;background:#00aa13;color:#fff;cursor:pointer}\
button.secondary{background:#e8e8e8;color:#333}.notice{padding:10px;border-radius:8px;\
background:#fff4e5;color:#8a4b00}ul{padding-left:20px}code{word-break:break-all}";

fn layout(lang: &str, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (STYLE) }
            }
            body { main { (body) } }
        }
    }
}

/// An HTML response with the headers every page carries.
pub fn html_response(status: StatusCode, markup: Markup) -> Response {
    let mut resp = (status, markup).into_response();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action *; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

/// A redirect (302 to the client, 303 between our pages).
pub fn redirect(status: StatusCode, location: &str) -> Response {
    let mut resp = status.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// An error page (bilingual, since the flow's language may be unknown).
pub fn error_page(status: StatusCode, message: &str) -> Response {
    html_response(
        status,
        layout(
            "en",
            "GoBiz",
            html! {
                h1 { "Permintaan tidak dapat diproses / The request cannot be processed" }
                p { (message) }
            },
        ),
    )
}

fn hidden(page: &FlowPage) -> Markup {
    html! {
        input type="hidden" name="flow" value=(page.flow.id);
        input type="hidden" name="csrf_token" value=(page.flow.csrf_token);
    }
}

fn notice(w: &Words, n: Option<Notice>) -> Markup {
    let text = match n {
        None => return html! {},
        Some(Notice::UnknownPhone) => w.unknown_phone.to_string(),
        Some(Notice::WrongOtp(left)) => format!("{} {left}", w.wrong_otp),
        Some(Notice::OtpVoid) => w.otp_void.to_string(),
        Some(Notice::OtpResent) => w.otp_resent.to_string(),
    };
    html! { p.notice role="alert" { (text) } }
}

/// The page for the flow's current stage: phone form, OTP form or consent.
pub fn flow_page(page: &FlowPage) -> Response {
    let w = words(page.flow.locale);
    let lang = page.flow.locale.as_str();
    let status = match page.notice {
        Some(Notice::UnknownPhone | Notice::WrongOtp(_) | Notice::OtpVoid) => {
            StatusCode::BAD_REQUEST
        }
        _ => StatusCode::OK,
    };
    let body = match page.flow.stage {
        FlowStage::Phone => html! {
            h1 { (w.login_title) }
            (notice(w, page.notice))
            form method="post" action="/merchant/login" {
                (hidden(page))
                label for="phone" { (w.phone_label) }
                input type="tel" id="phone" name="phone" autocomplete="tel" required
                    placeholder="0812…" value=(page.flow.phone.clone().unwrap_or_default());
                p { small { (w.phone_hint) } }
                button type="submit" { (w.send_otp) }
            }
        },
        FlowStage::Otp => html! {
            h1 { (w.otp_title) }
            (notice(w, page.notice))
            p { (w.otp_sent_to) " " strong { (page.flow.phone.clone().unwrap_or_default()) } }
            form method="post" action="/merchant/login/otp" {
                (hidden(page))
                label for="otp" { (w.otp_label) }
                input type="text" id="otp" name="otp" inputmode="numeric" pattern="[0-9]{6}"
                    maxlength="6" autocomplete="one-time-code" required;
                button type="submit" { (w.verify) }
            }
            form method="post" action="/merchant/login/resend" {
                (hidden(page))
                button.secondary type="submit" { (w.resend) }
            }
        },
        FlowStage::Consent | FlowStage::Done => html! {
            h1 { (w.consent_title) }
            p { strong { (page.client.name) } " " (w.consent_intro) }
            ul {
                @for s in &page.flow.scopes {
                    li { (scope_words(s, page.flow.locale)) " " small { code { (s) } } }
                }
            }
            form method="post" action="/merchant/consent" {
                (hidden(page))
                button type="submit" name="decision" value="allow" { (w.allow) }
                " "
                button.secondary type="submit" name="decision" value="deny" { (w.deny) }
            }
        },
    };
    html_response(status, layout(lang, w.login_title, body))
}

/// The page the demo facilitator's redirect URI points at: shows the code to exchange.
pub fn demo_callback(
    base: &str,
    code: Option<&str>,
    state: Option<&str>,
    error: Option<&str>,
) -> Response {
    let body = html! {
        h1 { "Demo POS callback" }
        @if let Some(e) = error {
            p.notice { "Error: " code { (e) } }
        }
        @if let Some(c) = code {
            p { "Authorization code (valid 120 s, single use):" }
            p { code { (c) } }
            p { "state: " code { (state.unwrap_or("")) } }
            p { "Exchange it:" }
            pre { code { "curl -s -u demo-pos-client:demo-pos-secret-change-me-0123456789abcdefg \\\n  -d grant_type=authorization_code -d code=" (c) " \\\n  -d redirect_uri=" (base) "/demo/callback " (base) "/oauth2/token" } }
        }
    };
    html_response(StatusCode::OK, layout("en", "Demo POS callback", body))
}
