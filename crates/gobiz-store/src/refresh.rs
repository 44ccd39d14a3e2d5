//! Refresh tokens (stored by hash), their rotation and family revocation.

use crate::exec::{execute, fetch_optional, int, opt_int, text};
use crate::schema::{AccessTokens, RefreshTokens};
use crate::{join_words, split_words, Result, Runner};
use gobiz_domain::goauth::RefreshRecord;
use sea_query::{Expr, ExprTrait, Query};

const COLUMNS: [RefreshTokens; 11] = [
    RefreshTokens::FamilyId,
    RefreshTokens::ClientId,
    RefreshTokens::PartnerId,
    RefreshTokens::UserId,
    RefreshTokens::Scopes,
    RefreshTokens::AuthTime,
    RefreshTokens::IssuedAt,
    RefreshTokens::ExpiresAt,
    RefreshTokens::RotatedAt,
    RefreshTokens::RevokedAt,
    RefreshTokens::TokenHash,
];

/// Stores a new refresh token under its hash.
pub async fn insert<R: Runner>(r: &mut R, token_hash: &str, t: &RefreshRecord) -> Result<()> {
    let stmt = Query::insert()
        .into_table(RefreshTokens::Table)
        .columns(COLUMNS)
        .values_panic([
            t.family_id.clone().into(),
            t.client_id.clone().into(),
            t.partner_id.clone().into(),
            t.user_id.clone().into(),
            join_words(&t.scopes).into(),
            t.auth_time.into(),
            t.issued_at.into(),
            t.expires_at.into(),
            t.rotated_at.into(),
            t.revoked_at.into(),
            token_hash.into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// A refresh token by hash, whatever its state.
pub async fn get<R: Runner>(r: &mut R, token_hash: &str) -> Result<Option<RefreshRecord>> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(RefreshTokens::Table)
        .and_where(Expr::col(RefreshTokens::TokenHash).eq(token_hash))
        .to_owned();
    let Some(row) = fetch_optional(r, &stmt).await? else {
        return Ok(None);
    };
    Ok(Some(RefreshRecord {
        family_id: text(&row, "family_id")?,
        client_id: text(&row, "client_id")?,
        partner_id: text(&row, "partner_id")?,
        user_id: text(&row, "user_id")?,
        scopes: split_words(&text(&row, "scopes")?),
        auth_time: int(&row, "auth_time")?,
        issued_at: int(&row, "issued_at")?,
        expires_at: int(&row, "expires_at")?,
        rotated_at: opt_int(&row, "rotated_at")?,
        revoked_at: opt_int(&row, "revoked_at")?,
    }))
}

/// Retires a current refresh token; `false` when it was not current (already rotated or
/// revoked), decided by one UPDATE so a token can be exchanged only once.
pub async fn rotate<R: Runner>(r: &mut R, token_hash: &str, now: i64) -> Result<bool> {
    let stmt = Query::update()
        .table(RefreshTokens::Table)
        .value(RefreshTokens::RotatedAt, now)
        .and_where(Expr::col(RefreshTokens::TokenHash).eq(token_hash))
        .and_where(Expr::col(RefreshTokens::RotatedAt).is_null())
        .and_where(Expr::col(RefreshTokens::RevokedAt).is_null())
        .to_owned();
    Ok(execute(r, &stmt).await? == 1)
}

/// Revokes every refresh and access token of a family (code replay, refresh reuse,
/// revocation of a refresh token).
pub async fn revoke_family<R: Runner>(r: &mut R, family_id: &str, now: i64) -> Result<()> {
    let refresh = Query::update()
        .table(RefreshTokens::Table)
        .value(RefreshTokens::RevokedAt, now)
        .and_where(Expr::col(RefreshTokens::FamilyId).eq(family_id))
        .and_where(Expr::col(RefreshTokens::RevokedAt).is_null())
        .to_owned();
    execute(r, &refresh).await?;
    let access = Query::update()
        .table(AccessTokens::Table)
        .value(AccessTokens::RevokedAt, now)
        .and_where(Expr::col(AccessTokens::FamilyId).eq(family_id))
        .and_where(Expr::col(AccessTokens::RevokedAt).is_null())
        .to_owned();
    execute(r, &access).await?;
    Ok(())
}
