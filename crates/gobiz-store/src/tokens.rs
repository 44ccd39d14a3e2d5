//! Access tokens, stored only as SHA-256 hashes.

use crate::exec::{execute, fetch_optional, int, opt_int, opt_text, parsed, text};
use crate::schema::AccessTokens;
use crate::{join_words, split_words, Result, Runner};
use gobiz_domain::entities::AccessGrant;
use gobiz_domain::scope::TokenKind;
use sea_query::{Expr, ExprTrait, Query};

/// Stores a new token under its hash.
pub async fn insert<R: Runner>(r: &mut R, token_hash: &str, g: &AccessGrant) -> Result<()> {
    insert_many(r, &[(token_hash, g)]).await
}

/// Inserts several tokens (by hash) in one statement.
pub async fn insert_many<R: Runner>(r: &mut R, rows: &[(&str, &AccessGrant)]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut stmt = Query::insert()
        .into_table(AccessTokens::Table)
        .columns([
            AccessTokens::TokenHash,
            AccessTokens::ClientId,
            AccessTokens::PartnerId,
            AccessTokens::Kind,
            AccessTokens::Scopes,
            AccessTokens::UserId,
            AccessTokens::IssuedAt,
            AccessTokens::ExpiresAt,
            AccessTokens::FamilyId,
        ])
        .to_owned();
    for (token_hash, g) in rows {
        stmt.values_panic([
            (*token_hash).into(),
            g.client_id.clone().into(),
            g.partner_id.clone().into(),
            g.kind.as_str().into(),
            join_words(&g.scopes).into(),
            g.user_id.clone().into(),
            g.issued_at.into(),
            g.expires_at.into(),
            g.family_id.clone().into(),
        ]);
    }
    execute(r, &stmt).await?;
    Ok(())
}

/// A token by hash, unless revoked. Expiry is the caller's to judge (it owns the clock).
pub async fn find_live<R: Runner>(r: &mut R, token_hash: &str) -> Result<Option<AccessGrant>> {
    Ok(find(r, token_hash)
        .await?
        .and_then(|(g, revoked)| (!revoked).then_some(g)))
}

/// A token by hash with whether it was revoked.
pub async fn find<R: Runner>(r: &mut R, token_hash: &str) -> Result<Option<(AccessGrant, bool)>> {
    let stmt = Query::select()
        .columns([
            AccessTokens::ClientId,
            AccessTokens::PartnerId,
            AccessTokens::Kind,
            AccessTokens::Scopes,
            AccessTokens::UserId,
            AccessTokens::IssuedAt,
            AccessTokens::ExpiresAt,
            AccessTokens::RevokedAt,
            AccessTokens::FamilyId,
        ])
        .from(AccessTokens::Table)
        .and_where(Expr::col(AccessTokens::TokenHash).eq(token_hash))
        .to_owned();
    let Some(row) = fetch_optional(r, &stmt).await? else {
        return Ok(None);
    };
    let revoked = opt_int(&row, "revoked_at")?.is_some();
    Ok(Some((
        AccessGrant {
            client_id: text(&row, "client_id")?,
            partner_id: text(&row, "partner_id")?,
            kind: parsed(text(&row, "kind")?, TokenKind::parse)?,
            scopes: split_words(&text(&row, "scopes")?),
            user_id: opt_text(&row, "user_id")?,
            issued_at: int(&row, "issued_at")?,
            expires_at: int(&row, "expires_at")?,
            family_id: opt_text(&row, "family_id")?,
        },
        revoked,
    )))
}

/// Revokes one access token of a client; `false` when there was none to revoke.
pub async fn revoke<R: Runner>(
    r: &mut R,
    token_hash: &str,
    client_id: &str,
    now: i64,
) -> Result<bool> {
    let stmt = Query::update()
        .table(AccessTokens::Table)
        .value(AccessTokens::RevokedAt, now)
        .and_where(Expr::col(AccessTokens::TokenHash).eq(token_hash))
        .and_where(Expr::col(AccessTokens::ClientId).eq(client_id))
        .and_where(Expr::col(AccessTokens::RevokedAt).is_null())
        .to_owned();
    Ok(execute(r, &stmt).await? == 1)
}

/// Deletes tokens that expired before `before` (housekeeping).
pub async fn purge_expired<R: Runner>(r: &mut R, before: i64) -> Result<u64> {
    let stmt = Query::delete()
        .from_table(AccessTokens::Table)
        .and_where(Expr::col(AccessTokens::ExpiresAt).lt(before))
        .to_owned();
    execute(r, &stmt).await
}

/// A live (unrevoked) token and its partner, in one query.
pub async fn find_live_with_partner<R: Runner>(
    r: &mut R,
    token_hash: &str,
) -> Result<Option<(AccessGrant, gobiz_domain::entities::Partner)>> {
    Ok(find_with_partner(r, token_hash)
        .await?
        .and_then(|(g, p, revoked)| (!revoked).then_some((g, p))))
}

/// A token, its partner and whether it was revoked, in one query (the hot path of every API
/// call; the revocation flag lets a refusal say why).
pub async fn find_with_partner<R: Runner>(
    r: &mut R,
    token_hash: &str,
) -> Result<Option<(AccessGrant, gobiz_domain::entities::Partner, bool)>> {
    use crate::exec::{fetch_optional as fetch, flag};
    use crate::schema::Partners;
    use gobiz_domain::model::PartnerType;
    use sea_query::Alias;
    let t = AccessTokens::Table;
    let p = Partners::Table;
    let stmt = Query::select()
        .columns([
            (t, AccessTokens::ClientId),
            (t, AccessTokens::PartnerId),
            (t, AccessTokens::Kind),
            (t, AccessTokens::Scopes),
            (t, AccessTokens::UserId),
            (t, AccessTokens::IssuedAt),
            (t, AccessTokens::ExpiresAt),
            (t, AccessTokens::FamilyId),
            (t, AccessTokens::RevokedAt),
        ])
        .expr_as(Expr::col((p, Partners::Name)), Alias::new("p_name"))
        .expr_as(Expr::col((p, Partners::Kind)), Alias::new("p_kind"))
        .expr_as(
            Expr::col((p, Partners::MerchantId)),
            Alias::new("p_merchant_id"),
        )
        .expr_as(
            Expr::col((p, Partners::StandardWebhooks)),
            Alias::new("p_standard_webhooks"),
        )
        .expr_as(
            Expr::col((p, Partners::ReadScopes)),
            Alias::new("p_read_scopes"),
        )
        .expr_as(
            Expr::col((p, Partners::CreatedAt)),
            Alias::new("p_created_at"),
        )
        .from(t)
        .inner_join(
            p,
            Expr::col((p, Partners::Id)).equals((t, AccessTokens::PartnerId)),
        )
        .and_where(Expr::col((t, AccessTokens::TokenHash)).eq(token_hash))
        .to_owned();
    let Some(row) = fetch(r, &stmt).await? else {
        return Ok(None);
    };
    let revoked = opt_int(&row, "revoked_at")?.is_some();
    let grant = AccessGrant {
        client_id: text(&row, "client_id")?,
        partner_id: text(&row, "partner_id")?,
        kind: parsed(text(&row, "kind")?, TokenKind::parse)?,
        scopes: split_words(&text(&row, "scopes")?),
        user_id: opt_text(&row, "user_id")?,
        issued_at: int(&row, "issued_at")?,
        expires_at: int(&row, "expires_at")?,
        family_id: opt_text(&row, "family_id")?,
    };
    let partner = gobiz_domain::entities::Partner {
        id: grant.partner_id.clone(),
        name: text(&row, "p_name")?,
        kind: parsed(text(&row, "p_kind")?, PartnerType::parse)?,
        merchant_id: opt_text(&row, "p_merchant_id")?,
        standard_webhooks: flag(&row, "p_standard_webhooks")?,
        read_scopes: split_words(&text(&row, "p_read_scopes")?),
        created_at: int(&row, "p_created_at")?,
    };
    Ok(Some((grant, partner, revoked)))
}
