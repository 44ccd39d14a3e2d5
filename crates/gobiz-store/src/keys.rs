//! ID-token signing keys. The newest unretired key signs; retired keys stay published in the
//! JWKS until every token they signed has expired.

use crate::exec::{execute, fetch_all, int, opt_int, text};
use crate::schema::SigningKeys;
use crate::{Result, Runner};
use sea_query::{Cond, Expr, ExprTrait, Order, Query};

/// A stored signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    /// Key id (`kid`).
    pub kid: String,
    /// JWS algorithm, e.g. `RS256`.
    pub alg: String,
    /// PKCS#8 PEM of the private key.
    pub private_pem: String,
    /// RSA modulus, base64url.
    pub public_n: String,
    /// RSA exponent, base64url.
    pub public_e: String,
    /// Creation.
    pub created_at: i64,
    /// Retirement (stops signing), if retired.
    pub retired_at: Option<i64>,
}

/// Stores a key.
pub async fn insert<R: Runner>(r: &mut R, k: &SigningKey) -> Result<()> {
    let stmt = Query::insert()
        .into_table(SigningKeys::Table)
        .columns([
            SigningKeys::Kid,
            SigningKeys::Alg,
            SigningKeys::PrivatePem,
            SigningKeys::PublicN,
            SigningKeys::PublicE,
            SigningKeys::CreatedAt,
            SigningKeys::RetiredAt,
        ])
        .values_panic([
            k.kid.clone().into(),
            k.alg.clone().into(),
            k.private_pem.clone().into(),
            k.public_n.clone().into(),
            k.public_e.clone().into(),
            k.created_at.into(),
            k.retired_at.into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Keys still to publish: unretired, or retired after `retired_after`; newest first.
pub async fn published<R: Runner>(r: &mut R, retired_after: i64) -> Result<Vec<SigningKey>> {
    let stmt = Query::select()
        .columns([
            SigningKeys::Kid,
            SigningKeys::Alg,
            SigningKeys::PrivatePem,
            SigningKeys::PublicN,
            SigningKeys::PublicE,
            SigningKeys::CreatedAt,
            SigningKeys::RetiredAt,
        ])
        .from(SigningKeys::Table)
        .cond_where(
            Cond::any()
                .add(Expr::col(SigningKeys::RetiredAt).is_null())
                .add(Expr::col(SigningKeys::RetiredAt).gt(retired_after)),
        )
        .order_by(SigningKeys::CreatedAt, Order::Desc)
        .order_by(SigningKeys::Kid, Order::Desc)
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| {
            Ok(SigningKey {
                kid: text(row, "kid")?,
                alg: text(row, "alg")?,
                private_pem: text(row, "private_pem")?,
                public_n: text(row, "public_n")?,
                public_e: text(row, "public_e")?,
                created_at: int(row, "created_at")?,
                retired_at: opt_int(row, "retired_at")?,
            })
        })
        .collect()
}

/// Retires every key but `keep` (rotation).
pub async fn retire_others<R: Runner>(r: &mut R, keep: &str, now: i64) -> Result<()> {
    let stmt = Query::update()
        .table(SigningKeys::Table)
        .value(SigningKeys::RetiredAt, now)
        .and_where(Expr::col(SigningKeys::Kid).ne(keep))
        .and_where(Expr::col(SigningKeys::RetiredAt).is_null())
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}
