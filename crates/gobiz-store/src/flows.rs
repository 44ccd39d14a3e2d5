//! Merchant login flows and the sandbox OTP outbox.

use crate::exec::{execute, fetch_optional, int, opt_int, opt_text, text};
use crate::schema::{LoginFlows, OtpMessages};
use crate::{join_words, split_words, Result, Runner, StoreError};
use gobiz_domain::goauth::{FlowStage, Locale, LoginFlow};
use sea_query::{Expr, ExprTrait, OnConflict, Query, SimpleExpr};

const COLUMNS: [LoginFlows; 19] = [
    LoginFlows::Id,
    LoginFlows::BrowserHash,
    LoginFlows::CsrfToken,
    LoginFlows::ClientId,
    LoginFlows::RedirectUri,
    LoginFlows::Scopes,
    LoginFlows::State,
    LoginFlows::Nonce,
    LoginFlows::CodeChallenge,
    LoginFlows::Locale,
    LoginFlows::Stage,
    LoginFlows::Phone,
    LoginFlows::UserId,
    LoginFlows::OtpHash,
    LoginFlows::OtpExpiresAt,
    LoginFlows::OtpAttemptsLeft,
    LoginFlows::AuthTime,
    LoginFlows::CreatedAt,
    LoginFlows::ExpiresAt,
];

fn values(f: &LoginFlow) -> [SimpleExpr; 19] {
    [
        f.id.clone().into(),
        f.browser_hash.clone().into(),
        f.csrf_token.clone().into(),
        f.client_id.clone().into(),
        f.redirect_uri.clone().into(),
        join_words(&f.scopes).into(),
        f.state.clone().into(),
        f.nonce.clone().into(),
        f.code_challenge.clone().into(),
        f.locale.as_str().into(),
        f.stage.as_str().into(),
        f.phone.clone().into(),
        f.user_id.clone().into(),
        f.otp_hash.clone().into(),
        f.otp_expires_at.into(),
        f.otp_attempts_left.into(),
        f.auth_time.into(),
        f.created_at.into(),
        f.expires_at.into(),
    ]
}

/// Inserts a new flow.
pub async fn insert<R: Runner>(r: &mut R, f: &LoginFlow) -> Result<()> {
    let stmt = Query::insert()
        .into_table(LoginFlows::Table)
        .columns(COLUMNS)
        .values_panic(values(f))
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Writes every mutable field of a flow.
pub async fn update<R: Runner>(r: &mut R, f: &LoginFlow) -> Result<()> {
    let cols = COLUMNS.into_iter().skip(1);
    let vals = values(f).into_iter().skip(1);
    let stmt = Query::update()
        .table(LoginFlows::Table)
        .values(cols.zip(vals))
        .and_where(Expr::col(LoginFlows::Id).eq(f.id.as_str()))
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// One flow by id.
pub async fn get<R: Runner>(r: &mut R, id: &str) -> Result<Option<LoginFlow>> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(LoginFlows::Table)
        .and_where(Expr::col(LoginFlows::Id).eq(id))
        .to_owned();
    let Some(row) = fetch_optional(r, &stmt).await? else {
        return Ok(None);
    };
    let stage = text(&row, "stage")?;
    Ok(Some(LoginFlow {
        id: text(&row, "id")?,
        browser_hash: text(&row, "browser_hash")?,
        csrf_token: text(&row, "csrf_token")?,
        client_id: text(&row, "client_id")?,
        redirect_uri: text(&row, "redirect_uri")?,
        scopes: split_words(&text(&row, "scopes")?),
        state: text(&row, "state")?,
        nonce: opt_text(&row, "nonce")?,
        code_challenge: opt_text(&row, "code_challenge")?,
        locale: Locale::parse(&text(&row, "locale")?),
        stage: FlowStage::parse(&stage).ok_or(StoreError::Corrupt(stage))?,
        phone: opt_text(&row, "phone")?,
        user_id: opt_text(&row, "user_id")?,
        otp_hash: opt_text(&row, "otp_hash")?,
        otp_expires_at: opt_int(&row, "otp_expires_at")?,
        otp_attempts_left: int(&row, "otp_attempts_left")?,
        auth_time: opt_int(&row, "auth_time")?,
        created_at: int(&row, "created_at")?,
        expires_at: int(&row, "expires_at")?,
    }))
}

/// An OTP as the built-in sender delivered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtpMessage {
    /// Normalised phone.
    pub phone: String,
    /// Flow it belongs to.
    pub flow_id: String,
    /// The 6-digit code.
    pub code: String,
    /// Sending time.
    pub created_at: i64,
    /// Expiry.
    pub expires_at: i64,
}

/// Records the latest OTP sent to a phone (replacing the previous one).
pub async fn put_otp<R: Runner>(r: &mut R, m: &OtpMessage) -> Result<()> {
    let stmt = Query::insert()
        .into_table(OtpMessages::Table)
        .columns([
            OtpMessages::Phone,
            OtpMessages::FlowId,
            OtpMessages::Code,
            OtpMessages::CreatedAt,
            OtpMessages::ExpiresAt,
        ])
        .values_panic([
            m.phone.clone().into(),
            m.flow_id.clone().into(),
            m.code.clone().into(),
            m.created_at.into(),
            m.expires_at.into(),
        ])
        .on_conflict(
            OnConflict::column(OtpMessages::Phone)
                .update_columns([
                    OtpMessages::FlowId,
                    OtpMessages::Code,
                    OtpMessages::CreatedAt,
                    OtpMessages::ExpiresAt,
                ])
                .to_owned(),
        )
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// The latest OTP sent to a phone.
pub async fn otp_of<R: Runner>(r: &mut R, phone: &str) -> Result<Option<OtpMessage>> {
    let stmt = Query::select()
        .columns([
            OtpMessages::Phone,
            OtpMessages::FlowId,
            OtpMessages::Code,
            OtpMessages::CreatedAt,
            OtpMessages::ExpiresAt,
        ])
        .from(OtpMessages::Table)
        .and_where(Expr::col(OtpMessages::Phone).eq(phone))
        .to_owned();
    let Some(row) = fetch_optional(r, &stmt).await? else {
        return Ok(None);
    };
    Ok(Some(OtpMessage {
        phone: text(&row, "phone")?,
        flow_id: text(&row, "flow_id")?,
        code: text(&row, "code")?,
        created_at: int(&row, "created_at")?,
        expires_at: int(&row, "expires_at")?,
    }))
}

/// Forgets the OTP sent to a phone (used, or void).
pub async fn delete_otp<R: Runner>(r: &mut R, phone: &str) -> Result<()> {
    let stmt = Query::delete()
        .from_table(OtpMessages::Table)
        .and_where(Expr::col(OtpMessages::Phone).eq(phone))
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}
