//! Authorization codes, stored by hash; single use is enforced atomically.

use crate::exec::{execute, fetch_optional, int, opt_int, opt_text, text};
use crate::schema::AuthCodes;
use crate::{join_words, split_words, Result, Runner};
use gobiz_domain::goauth::AuthCode;
use sea_query::{Expr, ExprTrait, Query};

const COLUMNS: [AuthCodes; 12] = [
    AuthCodes::FamilyId,
    AuthCodes::ClientId,
    AuthCodes::RedirectUri,
    AuthCodes::UserId,
    AuthCodes::Scopes,
    AuthCodes::Nonce,
    AuthCodes::CodeChallenge,
    AuthCodes::AuthTime,
    AuthCodes::CreatedAt,
    AuthCodes::ExpiresAt,
    AuthCodes::UsedAt,
    AuthCodes::CodeHash,
];

/// Stores a new code under its hash.
pub async fn insert<R: Runner>(r: &mut R, code_hash: &str, c: &AuthCode) -> Result<()> {
    let stmt = Query::insert()
        .into_table(AuthCodes::Table)
        .columns(COLUMNS)
        .values_panic([
            c.family_id.clone().into(),
            c.client_id.clone().into(),
            c.redirect_uri.clone().into(),
            c.user_id.clone().into(),
            join_words(&c.scopes).into(),
            c.nonce.clone().into(),
            c.code_challenge.clone().into(),
            c.auth_time.into(),
            c.created_at.into(),
            c.expires_at.into(),
            c.used_at.into(),
            code_hash.into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// A code by hash, used or not.
pub async fn get<R: Runner>(r: &mut R, code_hash: &str) -> Result<Option<AuthCode>> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(AuthCodes::Table)
        .and_where(Expr::col(AuthCodes::CodeHash).eq(code_hash))
        .to_owned();
    let Some(row) = fetch_optional(r, &stmt).await? else {
        return Ok(None);
    };
    Ok(Some(AuthCode {
        family_id: text(&row, "family_id")?,
        client_id: text(&row, "client_id")?,
        redirect_uri: text(&row, "redirect_uri")?,
        user_id: text(&row, "user_id")?,
        scopes: split_words(&text(&row, "scopes")?),
        nonce: opt_text(&row, "nonce")?,
        code_challenge: opt_text(&row, "code_challenge")?,
        auth_time: int(&row, "auth_time")?,
        created_at: int(&row, "created_at")?,
        expires_at: int(&row, "expires_at")?,
        used_at: opt_int(&row, "used_at")?,
    }))
}

/// Marks a code used; `false` when it already was (a replay), decided by one UPDATE so two
/// concurrent redemptions cannot both win.
pub async fn mark_used<R: Runner>(r: &mut R, code_hash: &str, now: i64) -> Result<bool> {
    let stmt = Query::update()
        .table(AuthCodes::Table)
        .value(AuthCodes::UsedAt, now)
        .and_where(Expr::col(AuthCodes::CodeHash).eq(code_hash))
        .and_where(Expr::col(AuthCodes::UsedAt).is_null())
        .to_owned();
    Ok(execute(r, &stmt).await? == 1)
}
