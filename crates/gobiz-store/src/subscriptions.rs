//! Notification subscriptions (partner-wide when `outlet_id` is `None`).

use crate::exec::opt_text;
use crate::exec::Row;
use crate::exec::{execute, fetch_all, fetch_optional, flag, int, text};
use crate::schema::{Chaos, OauthClients, OutletLinks, Outlets, Partners, Subscriptions};
use crate::{Result, Runner};
use gobiz_domain::entities::Partner;
use sea_query::{Alias, Cond, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};

/// A subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// UUID (`notification_id`).
    pub id: String,
    /// Owning partner.
    pub partner_id: String,
    /// `None` = partner-wide.
    pub outlet_id: Option<String>,
    /// Event name.
    pub event: String,
    /// Receiver URL.
    pub url: String,
    /// Whether anything is sent.
    pub active: bool,
    /// Creation.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

const COLUMNS: [Subscriptions; 8] = [
    Subscriptions::Id,
    Subscriptions::PartnerId,
    Subscriptions::OutletKey,
    Subscriptions::Event,
    Subscriptions::Url,
    Subscriptions::Active,
    Subscriptions::CreatedAt,
    Subscriptions::UpdatedAt,
];

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(Subscriptions::Table)
        .to_owned()
}

fn from_row(row: &Row) -> Result<Subscription> {
    let key = text(row, "outlet_key")?;
    Ok(Subscription {
        id: text(row, "id")?,
        partner_id: text(row, "partner_id")?,
        outlet_id: (!key.is_empty()).then_some(key),
        event: text(row, "event")?,
        url: text(row, "url")?,
        active: flag(row, "active")?,
        created_at: int(row, "created_at")?,
        updated_at: int(row, "updated_at")?,
    })
}

/// Partners see and manage their own subscriptions, not the listeners' of `gobiz listen`.
fn not_a_listener() -> sea_query::SimpleExpr {
    Expr::col(Subscriptions::Url).not_like(format!("{}%", crate::listeners::SCHEME))
}

fn key(outlet_id: Option<&str>) -> String {
    outlet_id.unwrap_or_default().to_string()
}

/// Inserts a subscription (duplicate event + url at the same level → `Duplicate`).
pub async fn insert<R: Runner>(r: &mut R, s: &Subscription) -> Result<()> {
    let stmt = Query::insert()
        .into_table(Subscriptions::Table)
        .columns(COLUMNS)
        .values_panic([
            s.id.clone().into(),
            s.partner_id.clone().into(),
            key(s.outlet_id.as_deref()).into(),
            s.event.clone().into(),
            s.url.clone().into(),
            i64::from(s.active).into(),
            s.created_at.into(),
            s.updated_at.into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Writes event, url, active and updated_at.
pub async fn update<R: Runner>(r: &mut R, s: &Subscription) -> Result<()> {
    let stmt = Query::update()
        .table(Subscriptions::Table)
        .values([
            (Subscriptions::Event, s.event.clone().into()),
            (Subscriptions::Url, s.url.clone().into()),
            (Subscriptions::Active, i64::from(s.active).into()),
            (Subscriptions::UpdatedAt, s.updated_at.into()),
        ])
        .and_where(Expr::col(Subscriptions::Id).eq(s.id.as_str()))
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Deletes a subscription.
pub async fn delete<R: Runner>(r: &mut R, id: &str) -> Result<()> {
    let stmt = Query::delete()
        .from_table(Subscriptions::Table)
        .and_where(Expr::col(Subscriptions::Id).eq(id))
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// One subscription of a partner at one level (partner-wide or that outlet).
pub async fn get<R: Runner>(
    r: &mut R,
    partner_id: &str,
    outlet_id: Option<&str>,
    id: &str,
) -> Result<Option<Subscription>> {
    let stmt = select()
        .and_where(Expr::col(Subscriptions::Id).eq(id))
        .and_where(not_a_listener())
        .and_where(Expr::col(Subscriptions::PartnerId).eq(partner_id))
        .and_where(Expr::col(Subscriptions::OutletKey).eq(key(outlet_id)))
        .to_owned();
    fetch_optional(r, &stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A partner's subscriptions at one level, oldest first.
pub async fn list<R: Runner>(
    r: &mut R,
    partner_id: &str,
    outlet_id: Option<&str>,
) -> Result<Vec<Subscription>> {
    let stmt = select()
        .and_where(Expr::col(Subscriptions::PartnerId).eq(partner_id))
        .and_where(Expr::col(Subscriptions::OutletKey).eq(key(outlet_id)))
        .and_where(not_a_listener())
        .order_by(Subscriptions::CreatedAt, Order::Asc)
        .order_by(Subscriptions::Id, Order::Asc)
        .to_owned();
    fetch_all(r, &stmt).await?.iter().map(from_row).collect()
}

/// A subscription an event may go to, with everything routing decides on, read in one query
/// (issue 20: one query per fact made event fan-out the bound of webhook throughput).
#[derive(Debug, Clone)]
pub struct Route {
    /// The subscription.
    pub subscription: Subscription,
    /// Its partner.
    pub partner: Partner,
    /// The merchant owning the event's outlet.
    pub outlet_merchant_id: String,
    /// The partner's link of the outlet for the event's product: `Some(external_outlet_id)`
    /// when linked.
    pub link: Option<String>,
    /// The partner's stored chaos settings (JSON), if any.
    pub chaos: Option<String>,
    /// The partner's notification secret as stored (sealed in production): what signing a
    /// delivery handed straight to the dispatcher needs.
    pub secret: String,
    /// Whether one of the partner's OAuth clients is allowed the scope asked of [`routes`].
    pub client_holds_scope: bool,
}

/// The active subscriptions of `event` that cover `outlet_id` (partner-wide or of that outlet),
/// oldest first, each with its partner, the outlet's merchant, the partner's link of the outlet
/// for `product`, its chaos settings and whether one of its clients is allowed `scope` (the
/// event's read scope: all in one statement, as this runs for every event). Empty when the
/// outlet does not exist.
pub async fn routes<R: Runner>(
    r: &mut R,
    event: &str,
    outlet_id: &str,
    product: &str,
    scope: &str,
) -> Result<Vec<Route>> {
    // `allowed_scopes` is space-separated: the scope alone, first, last or in between. The
    // patterns are SQL literals, not parameters: SQLite re-prepares a statement whose LIKE
    // pattern is a parameter every time it is bound (the LIKE optimization depends on it),
    // and this statement is large. Quotes are doubled and LIKE's wildcards escaped.
    let escaped = scope
        .replace('!', "!!")
        .replace('%', "!%")
        .replace('_', "!_")
        .replace('\'', "''");
    let listed = |pattern: String| {
        Expr::cust(format!(
            "\"oauth_clients\".\"allowed_scopes\" LIKE '{pattern}' ESCAPE '!'"
        ))
    };
    let client_with_scope = Query::select()
        .expr(Expr::val(1i64))
        .from(OauthClients::Table)
        .and_where(
            Expr::col((OauthClients::Table, OauthClients::PartnerId))
                .equals((Subscriptions::Table, Subscriptions::PartnerId)),
        )
        .cond_where(
            Cond::any()
                .add(Expr::col((OauthClients::Table, OauthClients::AllowedScopes)).eq(scope))
                .add(listed(format!("{escaped} %")))
                .add(listed(format!("% {escaped}")))
                .add(listed(format!("% {escaped} %"))),
        )
        .to_owned();
    let mut stmt = Query::select();
    stmt.columns(COLUMNS.map(|c| (Subscriptions::Table, c)))
        .from(Subscriptions::Table)
        .join(
            JoinType::InnerJoin,
            Partners::Table,
            Expr::col((Partners::Table, Partners::Id))
                .equals((Subscriptions::Table, Subscriptions::PartnerId)),
        )
        .join(
            JoinType::InnerJoin,
            Outlets::Table,
            Expr::col((Outlets::Table, Outlets::Id)).eq(outlet_id),
        )
        .join(
            JoinType::LeftJoin,
            OutletLinks::Table,
            Expr::col((OutletLinks::Table, OutletLinks::PartnerId))
                .equals((Subscriptions::Table, Subscriptions::PartnerId))
                .and(Expr::col((OutletLinks::Table, OutletLinks::OutletId)).eq(outlet_id))
                .and(Expr::col((OutletLinks::Table, OutletLinks::Product)).eq(product)),
        )
        .join(
            JoinType::LeftJoin,
            Chaos::Table,
            Expr::col((Chaos::Table, Chaos::PartnerId))
                .equals((Subscriptions::Table, Subscriptions::PartnerId)),
        )
        .expr_as(
            Expr::col((Outlets::Table, Outlets::MerchantId)),
            Alias::new("outlet_merchant_id"),
        )
        .expr_as(
            Expr::col((OutletLinks::Table, OutletLinks::PartnerId)),
            Alias::new("link_partner_id"),
        )
        .expr_as(
            Expr::col((OutletLinks::Table, OutletLinks::ExternalOutletId)),
            Alias::new("link_external_outlet_id"),
        )
        .expr_as(
            Expr::col((Chaos::Table, Chaos::Config)),
            Alias::new("chaos_config"),
        )
        .expr_as(
            Expr::col((Partners::Table, Partners::NotificationSecret)),
            Alias::new("notification_secret"),
        )
        .expr_as(
            Expr::case(Expr::exists(client_with_scope), Expr::val(1i64)).finally(Expr::val(0i64)),
            Alias::new("client_holds_scope"),
        )
        .and_where(Expr::col((Subscriptions::Table, Subscriptions::Event)).eq(event))
        .and_where(Expr::col((Subscriptions::Table, Subscriptions::Active)).eq(1))
        .and_where(
            Expr::col((Subscriptions::Table, Subscriptions::OutletKey)).is_in(["", outlet_id]),
        )
        .order_by((Subscriptions::Table, Subscriptions::CreatedAt), Order::Asc);
    crate::partners::select_as(&mut stmt, "partner_");
    let mut routes = Vec::new();
    for row in fetch_all(r, &stmt).await? {
        let linked = opt_text(&row, "link_partner_id")?.is_some();
        routes.push(Route {
            subscription: from_row(&row)?,
            partner: crate::partners::from_row_as(&row, "partner_")?,
            outlet_merchant_id: text(&row, "outlet_merchant_id")?,
            link: if linked {
                Some(opt_text(&row, "link_external_outlet_id")?.unwrap_or_default())
            } else {
                None
            },
            chaos: opt_text(&row, "chaos_config")?,
            secret: text(&row, "notification_secret")?,
            client_holds_scope: flag(&row, "client_holds_scope")?,
        });
    }
    Ok(routes)
}
