//! The authorization endpoint and the merchant login / consent flow (spec §2.4, §2.5).

use crate::secrets::{random_43, token_hash};
use crate::{ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::entities::Client;
use gobiz_domain::goauth::{
    otp_live, AuthCode, FlowStage, Locale, LoginFlow, CODE_TTL_MS, FLOW_TTL_MS, OTP_ATTEMPTS,
    OTP_TTL_MS,
};
use gobiz_domain::phone;
use gobiz_domain::scope::{self, Grant};
use gobiz_store::{clients, codes, flows, users};
use rand::Rng;
use subtle::ConstantTimeEq;

/// Name of the cookie that binds a login flow to one browser.
pub const BROWSER_COOKIE: &str = "gobiz_login";

/// What `GET /oauth2/auth` leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorize {
    /// The redirect URI cannot be trusted: show an HTML error page (400) in `locale`.
    ErrorPage {
        /// What is wrong.
        problem: AuthorizeProblem,
        /// The page's language (`ui_locales`, `Accept-Language`, `id`).
        locale: Locale,
    },
    /// Redirect back to the client (an error, or later a code).
    Redirect(String),
    /// Start the login pages: redirect to `/merchant/login?flow=…` setting the cookie.
    Login {
        /// Flow id.
        flow_id: String,
        /// Value of the browser-binding cookie.
        cookie: String,
    },
}

/// Why `GET /oauth2/auth` cannot even redirect back to the client (an HTML page says it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeProblem {
    /// `client_id` or `redirect_uri` appears more than once.
    Repeated,
    /// No `client_id`.
    NoClientId,
    /// No client has this id.
    UnknownClient(String),
    /// No `redirect_uri`.
    NoRedirectUri,
    /// The `redirect_uri` is not one the client registered.
    UnregisteredRedirectUri,
}

/// Why a login page cannot go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowError {
    /// Unknown or finished flow: an HTML error page (400), in the flow's language if known.
    Gone(Option<Locale>),
    /// Cookie or CSRF token does not match: an HTML error page (403) in the flow's language.
    Forbidden(Locale),
    /// The flow expired: redirect the browser to this URL (`access_denied`).
    Expired(String),
}

/// A page of the login flow to render.
#[derive(Debug, Clone)]
pub struct FlowPage {
    /// The flow.
    pub flow: LoginFlow,
    /// The requesting client (its name is shown).
    pub client: Client,
    /// A message on the form (wrong code, unknown phone, …).
    pub notice: Option<Notice>,
    /// The phone number as typed, shown again on the phone form after a refusal.
    pub entered_phone: Option<String>,
}

/// Form messages, rendered in the flow's language by the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// `This phone number is not registered with GoBiz.`
    UnknownPhone,
    /// Not an Indonesian mobile number at all (`abc`, `0812`).
    InvalidPhone,
    /// Wrong OTP; tries left.
    WrongOtp(i64),
    /// The OTP expired or was voided by too many wrong tries.
    OtpVoid,
    /// A new OTP was sent.
    OtpResent,
}

/// After a POST: go to a page, or leave the flow for the client.
#[derive(Debug, Clone)]
pub enum Step {
    /// Re-render with a notice (status 400 for errors).
    Page(Box<FlowPage>),
    /// Redirect the browser (303) to this path or URL.
    Redirect(String),
}

/// The value of `name` in a form's pairs (the first one when repeated, as everywhere).
fn form_value(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// The form of `POST /merchant/login` (spec §2.5 step 2), `application/x-www-form-urlencoded`.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"flow": "<flow-id>", "csrf_token": "<csrf-token>", "phone": "081234567890"}))]
pub struct PhoneForm {
    /// The login flow (from the page's hidden field).
    #[schema(required = true, nullable = false, value_type = String)]
    pub flow: Option<String>,
    /// The flow's CSRF token (from the page's hidden field).
    #[schema(required = true, nullable = false, value_type = String)]
    pub csrf_token: Option<String>,
    /// The phone number registered in the GoBiz app: `08…`, `628…` or `+628…`.
    #[schema(required = true, nullable = false, value_type = String, example = "081234567890")]
    pub phone: Option<String>,
}

impl PhoneForm {
    /// The form from its pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> PhoneForm {
        PhoneForm {
            flow: form_value(pairs, "flow"),
            csrf_token: form_value(pairs, "csrf_token"),
            phone: form_value(pairs, "phone"),
        }
    }
}

/// The form of `POST /merchant/login/otp` (spec §2.5 step 3).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"flow": "<flow-id>", "csrf_token": "<csrf-token>", "otp": "123456"}))]
pub struct OtpForm {
    /// The login flow.
    #[schema(required = true, nullable = false, value_type = String)]
    pub flow: Option<String>,
    /// The flow's CSRF token.
    #[schema(required = true, nullable = false, value_type = String)]
    pub csrf_token: Option<String>,
    /// The six-digit code sent to the phone (valid 5 minutes, 5 wrong tries void it).
    #[schema(required = true, nullable = false, value_type = String, pattern = "^[0-9]{6}$", example = "123456")]
    pub otp: Option<String>,
}

impl OtpForm {
    /// The form from its pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> OtpForm {
        OtpForm {
            flow: form_value(pairs, "flow"),
            csrf_token: form_value(pairs, "csrf_token"),
            otp: form_value(pairs, "otp"),
        }
    }
}

/// The form of `POST /merchant/login/resend` (spec §2.5 step 3).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"flow": "<flow-id>", "csrf_token": "<csrf-token>"}))]
pub struct ResendForm {
    /// The login flow.
    #[schema(required = true, nullable = false, value_type = String)]
    pub flow: Option<String>,
    /// The flow's CSRF token.
    #[schema(required = true, nullable = false, value_type = String)]
    pub csrf_token: Option<String>,
}

impl ResendForm {
    /// The form from its pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> ResendForm {
        ResendForm {
            flow: form_value(pairs, "flow"),
            csrf_token: form_value(pairs, "csrf_token"),
        }
    }
}

/// The form of `POST /merchant/consent` (spec §2.5 step 4).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"flow": "<flow-id>", "csrf_token": "<csrf-token>", "decision": "allow"}))]
pub struct ConsentForm {
    /// The login flow.
    #[schema(required = true, nullable = false, value_type = String)]
    pub flow: Option<String>,
    /// The flow's CSRF token.
    #[schema(required = true, nullable = false, value_type = String)]
    pub csrf_token: Option<String>,
    /// `allow` issues the code; `deny` sends `access_denied` to the client.
    #[schema(required = true, nullable = false, value_type = String, pattern = "^(allow|deny)$", example = "allow")]
    pub decision: Option<String>,
}

impl ConsentForm {
    /// The form from its pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> ConsentForm {
        ConsentForm {
            flow: form_value(pairs, "flow"),
            csrf_token: form_value(pairs, "csrf_token"),
            decision: form_value(pairs, "decision"),
        }
    }
}

/// Appends query parameters to a redirect URI, keeping the ones it has (RFC 6749 §4.1.2).
pub fn with_query(base: &str, params: &[(&str, &str)]) -> String {
    match url::Url::parse(base) {
        Ok(mut u) => {
            {
                let mut q = u.query_pairs_mut();
                for (k, v) in params {
                    q.append_pair(k, v);
                }
            }
            u.to_string()
        }
        Err(_) => base.to_string(),
    }
}

fn error_redirect(
    redirect_uri: &str,
    error: &str,
    description: &str,
    state: Option<&str>,
) -> String {
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(s) = state {
        params.push(("state", s));
    }
    with_query(redirect_uri, &params)
}

fn is_pkce_challenge(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn new_otp() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000u32))
}

impl Services {
    /// `GET /oauth2/auth` with its raw query pairs and the browser's `Accept-Language`
    /// (the pages' language when `ui_locales` names none we have).
    pub async fn authorize(
        &self,
        pairs: &[(String, String)],
        accept_language: Option<&str>,
    ) -> ServiceResult<Authorize> {
        let count = |k: &str| pairs.iter().filter(|(n, _)| n == k).count();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let locale = Locale::negotiate(get("ui_locales"), accept_language);
        let page = |problem| Ok(Authorize::ErrorPage { problem, locale });
        if count("client_id") > 1 || count("redirect_uri") > 1 {
            return page(AuthorizeProblem::Repeated);
        }
        let Some(client_id) = get("client_id") else {
            return page(AuthorizeProblem::NoClientId);
        };
        let Some(client) = clients::get(&mut self.db.conn().await?, client_id).await? else {
            return page(AuthorizeProblem::UnknownClient(client_id.to_string()));
        };
        let Some(redirect_uri) = get("redirect_uri") else {
            return page(AuthorizeProblem::NoRedirectUri);
        };
        if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
            return page(AuthorizeProblem::UnregisteredRedirectUri);
        }
        // From here on the redirect URI is trusted: errors go back to the client.
        let state = get("state");
        let fail = |error: &str, description: &str| {
            Ok(Authorize::Redirect(error_redirect(
                redirect_uri,
                error,
                description,
                state,
            )))
        };
        if let Some((k, _)) = pairs.iter().find(|(k, _)| count(k) > 1) {
            return fail("invalid_request", &format!("parameter {k} is repeated"));
        }
        match get("response_type") {
            None => return fail("invalid_request", "response_type is required"),
            Some("code") => {}
            Some(_) => return fail("unsupported_response_type", "response_type must be code"),
        }
        match state {
            None => return fail("invalid_request", "state is required"),
            Some(s) if s.chars().count() < 8 => {
                return fail("invalid_request", "state must be at least 8 characters")
            }
            Some(_) => {}
        }
        if !client.allowed_grants.contains(&Grant::AuthorizationCode) {
            return fail(
                "unauthorized_client",
                "the client may not use the authorization_code grant",
            );
        }
        let scopes = scope::split(get("scope").unwrap_or(""));
        if !scopes.iter().any(|s| s == "openid") {
            return fail("invalid_scope", "scope must include openid");
        }
        for s in &scopes {
            if !scope::is_known(s) {
                return fail("invalid_scope", &format!("scope {s} is not known"));
            }
            let allowed = client.allowed_scopes.iter().any(|a| {
                a == s
                    || (s == "offline_access" && a == "offline")
                    || (s == "offline" && a == "offline_access")
            });
            if !allowed {
                return fail(
                    "invalid_scope",
                    &format!("scope {s} is not allowed for this client"),
                );
            }
        }
        let challenge = get("code_challenge");
        match (challenge, get("code_challenge_method")) {
            (Some(_), Some(m)) if m != "S256" => {
                return fail("invalid_request", "code_challenge_method must be S256")
            }
            (Some(_), None) => {
                return fail("invalid_request", "code_challenge_method must be S256")
            }
            (None, Some(_)) => return fail("invalid_request", "code_challenge is required"),
            (Some(c), Some(_)) if !is_pkce_challenge(c) => {
                return fail(
                    "invalid_request",
                    "code_challenge must be 43 to 128 base64url characters",
                )
            }
            (None, None) if client.public || client.require_pkce => {
                return fail(
                    "invalid_request",
                    "PKCE (code_challenge with S256) is required for this client",
                )
            }
            _ => {}
        }
        if let Some(max_age) = get("max_age") {
            if max_age.parse::<u64>().is_err() {
                return fail("invalid_request", "max_age must be a non-negative integer");
            }
        }
        if get("prompt") == Some("none") {
            return fail("login_required", "the merchant must log in");
        }
        let mut granted: Vec<String> = Vec::new();
        for s in scopes {
            if !granted.contains(&s) {
                granted.push(s);
            }
        }
        let now = self.clock.now_ms();
        let cookie = random_43();
        let flow = LoginFlow {
            id: random_43(),
            browser_hash: token_hash(&cookie),
            csrf_token: random_43(),
            client_id: client.client_id.clone(),
            redirect_uri: redirect_uri.to_string(),
            scopes: granted,
            state: state.unwrap_or_default().to_string(),
            nonce: get("nonce").map(String::from),
            code_challenge: challenge.map(String::from),
            locale,
            stage: FlowStage::Phone,
            phone: None,
            user_id: None,
            otp_hash: None,
            otp_expires_at: None,
            otp_attempts_left: 0,
            auth_time: None,
            created_at: now,
            expires_at: now + FLOW_TTL_MS,
        };
        flows::insert(&mut self.db.conn().await?, &flow).await?;
        Ok(Authorize::Login {
            flow_id: flow.id,
            cookie,
        })
    }

    /// Loads a flow for a page, checking the browser cookie and (for POSTs) the CSRF token.
    pub async fn open_flow(
        &self,
        flow_id: &str,
        cookie: Option<&str>,
        csrf: Option<&str>,
    ) -> ServiceResult<Result<FlowPage, FlowError>> {
        let mut conn = self.db.conn().await?;
        let Some(flow) = flows::get(&mut conn, flow_id).await? else {
            return Ok(Err(FlowError::Gone(None)));
        };
        let cookie_ok = cookie.is_some_and(|c| {
            bool::from(token_hash(c).as_bytes().ct_eq(flow.browser_hash.as_bytes()))
        });
        if !cookie_ok {
            return Ok(Err(FlowError::Forbidden(flow.locale)));
        }
        if let Some(csrf) = csrf {
            if !bool::from(csrf.as_bytes().ct_eq(flow.csrf_token.as_bytes())) {
                return Ok(Err(FlowError::Forbidden(flow.locale)));
            }
        }
        if flow.stage == FlowStage::Done {
            return Ok(Err(FlowError::Gone(Some(flow.locale))));
        }
        if self.clock.now_ms() >= flow.expires_at {
            let url = error_redirect(
                &flow.redirect_uri,
                "access_denied",
                "the login flow expired",
                Some(&flow.state),
            );
            let mut done = flow;
            done.stage = FlowStage::Done;
            flows::update(&mut conn, &done).await?;
            return Ok(Err(FlowError::Expired(url)));
        }
        let client = clients::get(&mut conn, &flow.client_id).await?;
        match client {
            Some(client) => Ok(Ok(FlowPage {
                flow,
                client,
                notice: None,
                entered_phone: None,
            })),
            None => Ok(Err(FlowError::Gone(Some(flow.locale)))),
        }
    }

    async fn send_otp(&self, flow: &mut LoginFlow, phone: &str) -> ServiceResult<()> {
        let code = new_otp();
        let now = self.clock.now_ms();
        flow.otp_hash = Some(token_hash(&code));
        flow.otp_expires_at = Some(now + OTP_TTL_MS);
        flow.otp_attempts_left = OTP_ATTEMPTS;
        let mut tx = self.db.begin().await?;
        flows::update(&mut tx, flow).await?;
        if self.otp_sender.expose_in_sandbox() {
            flows::put_otp(
                &mut tx,
                &flows::OtpMessage {
                    phone: phone.to_string(),
                    flow_id: flow.id.clone(),
                    code: code.clone(),
                    created_at: now,
                    expires_at: now + OTP_TTL_MS,
                },
            )
            .await?;
        }
        tx.commit().await?;
        if let Err(e) = self.otp_sender.send(phone, &code) {
            tracing::warn!(error = %e, "OTP delivery failed");
        }
        Ok(())
    }

    /// Step 2: the phone number. Malformed and unknown numbers are told so on the form,
    /// which keeps what was typed.
    pub async fn submit_phone(&self, mut page: FlowPage, raw_phone: &str) -> ServiceResult<Step> {
        if page.flow.stage != FlowStage::Phone && page.flow.stage != FlowStage::Otp {
            return Ok(Step::Redirect(format!(
                "/merchant/consent?flow={}",
                page.flow.id
            )));
        }
        let Some(normalized) = phone::normalize(raw_phone) else {
            page.notice = Some(Notice::InvalidPhone);
            page.entered_phone = Some(raw_phone.to_string());
            return Ok(Step::Page(Box::new(page)));
        };
        let Some(user) = users::by_phone(&mut self.db.conn().await?, &normalized).await? else {
            page.notice = Some(Notice::UnknownPhone);
            page.entered_phone = Some(raw_phone.to_string());
            return Ok(Step::Page(Box::new(page)));
        };
        let mut flow = page.flow;
        flow.stage = FlowStage::Otp;
        flow.phone = Some(user.phone.clone());
        flow.user_id = Some(user.id.clone());
        self.send_otp(&mut flow, &user.phone).await?;
        Ok(Step::Redirect(format!("/merchant/login?flow={}", flow.id)))
    }

    /// Step 3: the OTP. Five wrong tries void it; a new one must be requested.
    pub async fn submit_otp(&self, mut page: FlowPage, otp: &str) -> ServiceResult<Step> {
        if page.flow.stage != FlowStage::Otp {
            return Ok(Step::Redirect(format!(
                "/merchant/login?flow={}",
                page.flow.id
            )));
        }
        let now = self.clock.now_ms();
        if !otp_live(&page.flow, now) {
            page.notice = Some(Notice::OtpVoid);
            return Ok(Step::Page(Box::new(page)));
        }
        let presented = token_hash(otp.trim());
        let expected = page.flow.otp_hash.clone().unwrap_or_default();
        let phone = page.flow.phone.clone().unwrap_or_default();
        let mut tx = self.db.begin().await?;
        if !bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
            page.flow.otp_attempts_left -= 1;
            if page.flow.otp_attempts_left <= 0 {
                page.flow.otp_hash = None;
                flows::delete_otp(&mut tx, &phone).await?;
                page.notice = Some(Notice::OtpVoid);
            } else {
                page.notice = Some(Notice::WrongOtp(page.flow.otp_attempts_left));
            }
            flows::update(&mut tx, &page.flow).await?;
            tx.commit().await?;
            return Ok(Step::Page(Box::new(page)));
        }
        let mut flow = page.flow;
        flow.stage = FlowStage::Consent;
        flow.otp_hash = None;
        flow.otp_expires_at = None;
        flow.auth_time = Some(now);
        flows::update(&mut tx, &flow).await?;
        flows::delete_otp(&mut tx, &phone).await?;
        tx.commit().await?;
        Ok(Step::Redirect(format!(
            "/merchant/consent?flow={}",
            flow.id
        )))
    }

    /// Sends a new OTP, voiding the previous one.
    pub async fn resend_otp(&self, page: FlowPage) -> ServiceResult<Step> {
        if page.flow.stage != FlowStage::Otp {
            return Ok(Step::Redirect(format!(
                "/merchant/login?flow={}",
                page.flow.id
            )));
        }
        let mut flow = page.flow;
        let phone = flow.phone.clone().unwrap_or_default();
        self.send_otp(&mut flow, &phone).await?;
        Ok(Step::Redirect(format!("/merchant/login?flow={}", flow.id)))
    }

    /// Step 4: Allow issues a code; Deny sends `access_denied` (spec §2.5).
    pub async fn decide(&self, page: FlowPage, allow: bool) -> ServiceResult<Step> {
        let mut flow = page.flow;
        if flow.stage != FlowStage::Consent {
            return Ok(Step::Redirect(format!("/merchant/login?flow={}", flow.id)));
        }
        flow.stage = FlowStage::Done;
        let mut tx = self.db.begin().await?;
        flows::update(&mut tx, &flow).await?;
        let target = if allow {
            let now = self.clock.now_ms();
            let code = format!("gbz_ac_{}", random_43());
            let record = AuthCode {
                family_id: uuid::Uuid::new_v4().to_string(),
                client_id: flow.client_id.clone(),
                redirect_uri: flow.redirect_uri.clone(),
                user_id: flow.user_id.clone().unwrap_or_default(),
                scopes: flow.scopes.clone(),
                nonce: flow.nonce.clone(),
                code_challenge: flow.code_challenge.clone(),
                auth_time: flow.auth_time.unwrap_or(now),
                created_at: now,
                expires_at: now + CODE_TTL_MS,
                used_at: None,
            };
            codes::insert(&mut tx, &token_hash(&code), &record).await?;
            with_query(
                &flow.redirect_uri,
                &[("code", &code), ("state", &flow.state)],
            )
        } else {
            error_redirect(
                &flow.redirect_uri,
                "access_denied",
                "the merchant denied the request",
                Some(&flow.state),
            )
        };
        tx.commit().await?;
        Ok(Step::Redirect(target))
    }

    /// The live OTP of a phone for `GET /sandbox/v1/otp` with its tries left.
    pub async fn sandbox_otp(
        &self,
        raw_phone: &str,
    ) -> ServiceResult<Option<(flows::OtpMessage, i64)>> {
        let Some(p) = phone::normalize(raw_phone) else {
            return Err(crate::ServiceError::invalid(
                "phone",
                "must be an Indonesian mobile number (08…, 628… or +628…)",
            ));
        };
        let mut conn = self.db.conn().await?;
        let Some(msg) = flows::otp_of(&mut conn, &p).await? else {
            return Ok(None);
        };
        let now = self.clock.now_ms();
        let Some(flow) = flows::get(&mut conn, &msg.flow_id).await? else {
            return Ok(None);
        };
        if !otp_live(&flow, now) || flow.otp_hash.as_deref() != Some(token_hash(&msg.code).as_str())
        {
            return Ok(None);
        }
        let left = flow.otp_attempts_left;
        Ok(Some((msg, left)))
    }
}
