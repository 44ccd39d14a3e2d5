//! Server-rendered HTML: the merchant login and consent pages (spec §2.5), error pages and
//! the demo callback. Plain forms, no JavaScript; Indonesian and English. In sandbox mode
//! every page carries a banner saying so.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gobiz_domain::goauth::{scope_words, FlowStage, Locale};
use gobiz_domain::model::Mode;
use gobiz_services::goauth::{AuthorizeProblem, FlowPage, Notice};
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
    invalid_phone: &'static str,
    wrong_otp: &'static str,
    otp_void: &'static str,
    otp_resent: &'static str,
    consent_title: &'static str,
    consent_intro: &'static str,
    allow: &'static str,
    deny: &'static str,
    sandbox_banner: &'static str,
    error_title: &'static str,
    error_heading: &'static str,
    repeated_params: &'static str,
    no_client_id: &'static str,
    unknown_client: &'static str,
    no_redirect_uri: &'static str,
    unregistered_redirect_uri: &'static str,
    link_gone: &'static str,
    foreign_form: &'static str,
    bad_decision: &'static str,
    control_characters: &'static str,
    failure: &'static str,
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
    invalid_phone:
        "Nomor telepon tidak valid. Masukkan nomor ponsel Indonesia yang diawali 08, 628 atau +628.",
    wrong_otp: "Kode salah. Sisa percobaan:",
    otp_void: "Kode tidak berlaku lagi. Minta kode baru.",
    otp_resent: "Kode baru telah dikirim.",
    consent_title: "Izinkan akses",
    consent_intro: "meminta izin untuk:",
    allow: "Izinkan",
    deny: "Tolak",
    sandbox_banner:
        "Sandbox: lingkungan uji coba. Tidak ada merchant, pesanan, atau pembayaran sungguhan.",
    error_title: "Kesalahan – GoBiz",
    error_heading: "Permintaan tidak dapat diproses",
    repeated_params: "client_id dan redirect_uri hanya boleh muncul sekali.",
    no_client_id: "Permintaan ini tidak memiliki client_id.",
    unknown_client: "client_id tidak dikenal:",
    no_redirect_uri: "Permintaan ini tidak memiliki redirect_uri.",
    unregistered_redirect_uri: "redirect_uri ini tidak terdaftar untuk klien ini.",
    link_gone: "Tautan masuk ini tidak berlaku lagi. Mulai lagi dari aplikasi.",
    foreign_form: "Formulir ini bukan milik sesi peramban ini. Mulai lagi dari aplikasi.",
    bad_decision: "decision harus allow atau deny.",
    control_characters: "tidak boleh berisi karakter kontrol",
    failure: "Terjadi kesalahan. Silakan coba lagi.",
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
    invalid_phone:
        "This is not a valid phone number. Enter an Indonesian mobile number starting with 08, 628 or +628.",
    wrong_otp: "Wrong code. Attempts left:",
    otp_void: "The code is no longer valid. Request a new code.",
    otp_resent: "A new code was sent.",
    consent_title: "Allow access",
    consent_intro: "asks for permission to:",
    allow: "Allow",
    deny: "Deny",
    sandbox_banner: "Sandbox: a test environment. No real merchants, orders or payments.",
    error_title: "Error – GoBiz",
    error_heading: "The request cannot be processed",
    repeated_params: "client_id and redirect_uri may appear only once.",
    no_client_id: "The request has no client_id.",
    unknown_client: "Unknown client_id:",
    no_redirect_uri: "The request has no redirect_uri.",
    unregistered_redirect_uri: "The redirect_uri is not registered for this client.",
    link_gone: "This login link is no longer valid. Start again from the application.",
    foreign_form:
        "This form does not belong to this browser session. Start again from the application.",
    bad_decision: "decision must be allow or deny.",
    control_characters: "must not contain control characters",
    failure: "Something went wrong. Please retry.",
};

fn words(l: Locale) -> &'static Words {
    match l {
        Locale::Id => &ID,
        Locale::En => &EN,
    }
}

/// How a page is dressed: its language and whether the sandbox banner shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chrome {
    /// The page's language.
    pub locale: Locale,
    /// The server runs in sandbox mode.
    pub sandbox: bool,
}

impl Chrome {
    /// `locale` on a server in `mode`.
    pub fn new(locale: Locale, mode: Mode) -> Chrome {
        Chrome {
            locale,
            sandbox: mode == Mode::Sandbox,
        }
    }
}

/// The request's `Accept-Language` (its lines joined), empty when absent.
pub fn accept_language(headers: &HeaderMap) -> String {
    headers
        .get_all(header::ACCEPT_LANGUAGE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",")
}

/// The language of a page that has no flow to take it from: `Accept-Language`, else `id`.
pub fn request_locale(headers: &HeaderMap) -> Locale {
    Locale::negotiate(None, Some(&accept_language(headers)))
}

/// What an error page says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageError {
    /// `GET /oauth2/auth` without a trustworthy client and redirect URI.
    Authorize(AuthorizeProblem),
    /// The login flow is unknown or finished.
    LinkGone,
    /// The cookie or CSRF token does not match the flow.
    ForeignForm,
    /// `decision` is neither `allow` nor `deny`.
    BadDecision,
    /// A form field holds a control character (`detail` names it, e.g. `U+0007`).
    ControlCharacters {
        /// The field's name.
        field: String,
        /// Which character.
        detail: String,
    },
    /// An unexpected failure (500).
    Failure,
}

/// The one stylesheet of every page (login, consent, errors, landing).
pub(crate) const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f6f5;margin:0}\
main{max-width:420px;margin:40px auto;background:#fff;padding:28px;border-radius:12px;\
box-shadow:0 2px 8px rgba(0,0,0,.08);box-sizing:border-box}h1{font-size:1.4em;color:#00880d}\
main.error{border-top:6px solid #c62828}h1.error{color:#c62828}\
.sandbox{background:#ffd54f;color:#3d2c00;text-align:center;padding:8px 12px;font-size:.9em;\
font-weight:600;border-bottom:1px solid #e0b000}\
label{display:block;margin:14px 0 6px}input[type=text],input[type=tel]{width:100%;padding:10px;\
box-sizing:border-box;font-size:1.1em}input[aria-invalid=true]{border:2px solid #c62828}\
button{margin-top:16px;padding:10px 18px;font-size:1em;\
border:0;border-radius:8px;background:#00aa13;color:#fff;cursor:pointer}\
button.secondary{background:#e8e8e8;color:#333}.notice{padding:10px;border-radius:8px;\
background:#fff4e5;color:#8a4b00}.notice.failure{background:#fdecea;color:#8e1b1b;\
border-left:4px solid #c62828}.notice.ok{background:#e8f5e9;color:#1b5e20}\
.notice p{margin:4px 0}ul{padding-left:20px}li{margin:6px 0}\
code{overflow-wrap:anywhere}code.scope{white-space:nowrap;overflow-wrap:normal;\
word-break:keep-all}\
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f4f4;padding:10px;\
border-radius:8px;font-size:.85em;max-width:100%;box-sizing:border-box}\
main.wide{max-width:760px}h2{font-size:1.1em;margin-top:24px}\
@media (max-width:480px){main{margin:0;border-radius:0;padding:20px}}";

fn layout(chrome: Chrome, title: &str, error: bool, body: Markup) -> Markup {
    let w = words(chrome.locale);
    html! {
        (DOCTYPE)
        html lang=(chrome.locale.as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (STYLE) }
            }
            body {
                @if chrome.sandbox {
                    div.sandbox role="note" { (w.sandbox_banner) }
                }
                main.error[error] { (body) }
            }
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

/// An error page in the page's language: a red heading, the error title, the message.
pub fn error_page(status: StatusCode, chrome: Chrome, error: &PageError) -> Response {
    let w = words(chrome.locale);
    let message = match error {
        PageError::Authorize(AuthorizeProblem::Repeated) => w.repeated_params.to_string(),
        PageError::Authorize(AuthorizeProblem::NoClientId) => w.no_client_id.to_string(),
        PageError::Authorize(AuthorizeProblem::UnknownClient(id)) => {
            format!("{} {id}", w.unknown_client)
        }
        PageError::Authorize(AuthorizeProblem::NoRedirectUri) => w.no_redirect_uri.to_string(),
        PageError::Authorize(AuthorizeProblem::UnregisteredRedirectUri) => {
            w.unregistered_redirect_uri.to_string()
        }
        PageError::LinkGone => w.link_gone.to_string(),
        PageError::ForeignForm => w.foreign_form.to_string(),
        PageError::BadDecision => w.bad_decision.to_string(),
        PageError::ControlCharacters { field, detail } => {
            format!("{field}: {} ({detail})", w.control_characters)
        }
        PageError::Failure => w.failure.to_string(),
    };
    html_response(
        status,
        layout(
            chrome,
            w.error_title,
            true,
            html! {
                h1.error { (w.error_heading) }
                p.message { (message) }
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
    // Refusals are red; "a new code was sent" is good news, green.
    let (text, refused) = match n {
        None => return html! {},
        Some(Notice::UnknownPhone) => (w.unknown_phone.to_string(), true),
        Some(Notice::InvalidPhone) => (w.invalid_phone.to_string(), true),
        Some(Notice::WrongOtp(left)) => (format!("{} {left}", w.wrong_otp), true),
        Some(Notice::OtpVoid) => (w.otp_void.to_string(), true),
        Some(Notice::OtpResent) => (w.otp_resent.to_string(), false),
    };
    html! { p.notice.failure[refused].ok[!refused] #notice role="alert" { (text) } }
}

/// The page for the flow's current stage: phone form, OTP form or consent. A refused phone
/// number brings the phone form back with what was typed.
pub fn flow_page(page: &FlowPage, mode: Mode) -> Response {
    let locale = page.flow.locale;
    let w = words(locale);
    let phone_refused = matches!(
        page.notice,
        Some(Notice::UnknownPhone | Notice::InvalidPhone)
    );
    let otp_refused = matches!(page.notice, Some(Notice::WrongOtp(_) | Notice::OtpVoid));
    let status = match page.notice {
        Some(
            Notice::UnknownPhone | Notice::InvalidPhone | Notice::WrongOtp(_) | Notice::OtpVoid,
        ) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let stage = if phone_refused {
        FlowStage::Phone
    } else {
        page.flow.stage
    };
    let (title, body) = match stage {
        FlowStage::Phone => (
            w.login_title.to_string(),
            html! {
                h1 { (w.login_title) }
                (notice(w, page.notice))
                form method="post" action="/merchant/login" {
                    (hidden(page))
                    label for="phone" { (w.phone_label) }
                    input type="tel" id="phone" name="phone" autocomplete="tel" required
                        placeholder="0812…"
                        value=(page.entered_phone.as_deref().or(page.flow.phone.as_deref()).unwrap_or_default())
                        aria-invalid=[phone_refused.then_some("true")]
                        aria-describedby=[phone_refused.then_some("notice")];
                    p { small { (w.phone_hint) } }
                    button type="submit" { (w.send_otp) }
                }
            },
        ),
        FlowStage::Otp => (
            format!("{} – GoBiz", w.otp_title),
            html! {
                h1 { (w.otp_title) }
                (notice(w, page.notice))
                p { (w.otp_sent_to) " " strong { (page.flow.phone.clone().unwrap_or_default()) } }
                form method="post" action="/merchant/login/otp" {
                    (hidden(page))
                    label for="otp" { (w.otp_label) }
                    input type="text" id="otp" name="otp" inputmode="numeric" pattern="[0-9]{6}"
                        maxlength="6" autocomplete="one-time-code" required
                        aria-invalid=[otp_refused.then_some("true")]
                        aria-describedby=[otp_refused.then_some("notice")];
                    button type="submit" { (w.verify) }
                }
                form method="post" action="/merchant/login/resend" {
                    (hidden(page))
                    button.secondary type="submit" { (w.resend) }
                }
            },
        ),
        FlowStage::Consent | FlowStage::Done => (
            format!("{} – GoBiz", w.consent_title),
            html! {
                h1 { (w.consent_title) }
                p { strong { (page.client.name) } " " (w.consent_intro) }
                ul.scopes {
                    @for s in &page.flow.scopes {
                        li { (scope_words(s, locale)) " " small { code.scope { (s) } } }
                    }
                }
                form method="post" action="/merchant/consent" {
                    (hidden(page))
                    button type="submit" name="decision" value="allow" { (w.allow) }
                    " "
                    button.secondary type="submit" name="decision" value="deny" { (w.deny) }
                }
            },
        ),
    };
    html_response(
        status,
        layout(Chrome::new(locale, mode), &title, false, body),
    )
}

/// What the demo facilitator's redirect URI received.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallbackParams<'a> {
    /// `code`.
    pub code: Option<&'a str>,
    /// `state`.
    pub state: Option<&'a str>,
    /// `error`.
    pub error: Option<&'a str>,
    /// `error_description`.
    pub error_description: Option<&'a str>,
}

/// The page the demo facilitator's redirect URI points at: shows the code to exchange, or
/// the error and its description.
pub fn demo_callback(base: &str, mode: Mode, q: CallbackParams<'_>) -> Response {
    // An error, or nothing to exchange: the page is dressed as an error page.
    let failed = q.error.is_some() || q.code.is_none();
    let body = html! {
        h1.error[failed] { "Demo POS callback" }
        @if let Some(e) = q.error {
            div.notice.failure role="alert" {
                p { "Error: " code { (e) } }
                @if let Some(d) = q.error_description {
                    p.description { (d) }
                }
            }
            @if let Some(s) = q.state {
                p { "state: " code { (s) } }
            }
        }
        @if let Some(c) = q.code {
            p { "Authorization code (valid 120 s, single use):" }
            p { code { (c) } }
            p { "state: " code { (q.state.unwrap_or("")) } }
            p { "Exchange it:" }
            // One argument a line (backslash-continued), so that `-d` and its value read together.
            pre { code { "curl -s -u demo-pos-client:demo-pos-secret-change-me-0123456789abcdefg \\\n  -d grant_type=authorization_code \\\n  -d code=" (c) " \\\n  -d redirect_uri=" (base) "/demo/callback \\\n  " (base) "/oauth2/token" } }
        }
        @if q.code.is_none() && q.error.is_none() {
            p.notice.failure role="alert" { "The query has neither code nor error: nothing to show." }
        }
    };
    let title = if failed {
        "Error – Demo POS callback"
    } else {
        "Demo POS callback"
    };
    html_response(
        StatusCode::OK,
        layout(Chrome::new(Locale::En, mode), title, failed, body),
    )
}
