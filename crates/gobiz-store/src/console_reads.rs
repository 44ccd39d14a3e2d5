//! Read-only listings the sandbox console needs and no API route had: a partner's OAuth
//! clients, all its notification subscriptions (partner-wide and per outlet), and the recent
//! OTPs the built-in sender recorded.

use crate::exec::{fetch_all, int, text};
use crate::flows::OtpMessage;
use crate::schema::{Deliveries, OauthClients, Orders, OtpMessages, Subscriptions};
use crate::subscriptions::Subscription;
use crate::{clients, subscriptions, Result, Runner};
use gobiz_domain::entities::Client;
use sea_query::{Alias, Expr, ExprTrait, Order, Query};

/// The OAuth clients of a partner, oldest first.
pub async fn clients_of_partner<R: Runner>(r: &mut R, partner_id: &str) -> Result<Vec<Client>> {
    let stmt = Query::select()
        .column(OauthClients::ClientId)
        .from(OauthClients::Table)
        .and_where(Expr::col(OauthClients::PartnerId).eq(partner_id))
        .order_by(OauthClients::CreatedAt, Order::Asc)
        .order_by(OauthClients::ClientId, Order::Asc)
        .to_owned();
    let mut out = Vec::new();
    for row in fetch_all(r, &stmt).await? {
        if let Some(c) = clients::get(r, &text(&row, "client_id")?).await? {
            out.push(c);
        }
    }
    Ok(out)
}

/// Every subscription of a partner, partner-wide first, then per outlet; oldest first.
pub async fn subscriptions_of_partner<R: Runner>(
    r: &mut R,
    partner_id: &str,
) -> Result<Vec<Subscription>> {
    let stmt = Query::select()
        .columns([Subscriptions::Id, Subscriptions::OutletKey])
        .from(Subscriptions::Table)
        .and_where(Expr::col(Subscriptions::PartnerId).eq(partner_id))
        .order_by(Subscriptions::OutletKey, Order::Asc)
        .order_by(Subscriptions::CreatedAt, Order::Asc)
        .order_by(Subscriptions::Id, Order::Asc)
        .to_owned();
    let mut out = Vec::new();
    for row in fetch_all(r, &stmt).await? {
        let key = text(&row, "outlet_key")?;
        let outlet = (!key.is_empty()).then_some(key.as_str());
        if let Some(s) = subscriptions::get(r, partner_id, outlet, &text(&row, "id")?).await? {
            out.push(s);
        }
    }
    Ok(out)
}

/// The latest OTP of each phone, most recently sent first, at most `limit`.
pub async fn recent_otps<R: Runner>(r: &mut R, limit: u64) -> Result<Vec<OtpMessage>> {
    let stmt = Query::select()
        .columns([
            OtpMessages::Phone,
            OtpMessages::FlowId,
            OtpMessages::Code,
            OtpMessages::CreatedAt,
            OtpMessages::ExpiresAt,
        ])
        .from(OtpMessages::Table)
        .order_by(OtpMessages::CreatedAt, Order::Desc)
        .order_by(OtpMessages::Phone, Order::Asc)
        .limit(limit)
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| {
            Ok(OtpMessage {
                phone: text(row, "phone")?,
                flow_id: text(row, "flow_id")?,
                code: text(row, "code")?,
                created_at: int(row, "created_at")?,
                expires_at: int(row, "expires_at")?,
            })
        })
        .collect()
}

/// Orders of every outlet created at or after `since` (ms).
pub async fn orders_since<R: Runner>(r: &mut R, since: i64) -> Result<i64> {
    let stmt = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from(Orders::Table)
        .and_where(Expr::col(Orders::CreatedAt).gte(since))
        .to_owned();
    match fetch_all(r, &stmt).await?.first() {
        Some(row) => int(row, "n"),
        None => Ok(0),
    }
}

/// How many deliveries are in each status (`pending`, `retrying`, `delivered`, `dead`).
pub async fn deliveries_by_status<R: Runner>(r: &mut R) -> Result<Vec<(String, i64)>> {
    let stmt = Query::select()
        .column(Deliveries::Status)
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from(Deliveries::Table)
        .group_by_col(Deliveries::Status)
        .order_by(Deliveries::Status, Order::Asc)
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| Ok((text(row, "status")?, int(row, "n")?)))
        .collect()
}
