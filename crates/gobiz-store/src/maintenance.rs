//! Whole-database operations of the sandbox.

use crate::exec::execute;
use crate::scenarios::{ScenarioEntities, Scenarios};
use crate::schema::{
    AccessTokens, AuthCodes, CatalogMappings, Catalogs, Chaos, Deliveries, DeliveryAttempts,
    Events, IdempotencyKeys, Listeners, LoginFlows, Merchants, MokaCustomers, MokaGratuities,
    MokaSaleLines, MokaSaleModifiers, MokaSales, OauthClients, Orders, OtpMessages, OutletLinks,
    Outlets, Partners, PaymentTransactions, Promotions, RefreshTokens, Settings, Subscriptions,
    UserRoles, Users,
};
use crate::{settings, Result, Runner};
use sea_query::{Expr, ExprTrait, Query};

/// Deletes all data except configuration (admin token) and signing keys; the clock returns
/// to real time (spec §10.2 reset, §10.5). Children first, so foreign keys never object.
pub async fn reset<R: Runner>(r: &mut R) -> Result<()> {
    let tables = [
        Query::delete()
            .from_table(MokaSaleModifiers::Table)
            .to_owned(),
        Query::delete().from_table(MokaSaleLines::Table).to_owned(),
        Query::delete().from_table(MokaSales::Table).to_owned(),
        Query::delete().from_table(MokaCustomers::Table).to_owned(),
        Query::delete().from_table(MokaGratuities::Table).to_owned(),
        Query::delete()
            .from_table(ScenarioEntities::Table)
            .to_owned(),
        Query::delete().from_table(Scenarios::Table).to_owned(),
        Query::delete()
            .from_table(PaymentTransactions::Table)
            .to_owned(),
        Query::delete().from_table(Promotions::Table).to_owned(),
        Query::delete()
            .from_table(IdempotencyKeys::Table)
            .to_owned(),
        Query::delete().from_table(Orders::Table).to_owned(),
        Query::delete()
            .from_table(CatalogMappings::Table)
            .to_owned(),
        Query::delete().from_table(Catalogs::Table).to_owned(),
        Query::delete()
            .from_table(DeliveryAttempts::Table)
            .to_owned(),
        Query::delete().from_table(Deliveries::Table).to_owned(),
        Query::delete().from_table(Events::Table).to_owned(),
        Query::delete().from_table(Subscriptions::Table).to_owned(),
        Query::delete().from_table(Listeners::Table).to_owned(),
        Query::delete().from_table(Chaos::Table).to_owned(),
        Query::delete().from_table(AccessTokens::Table).to_owned(),
        Query::delete().from_table(RefreshTokens::Table).to_owned(),
        Query::delete().from_table(AuthCodes::Table).to_owned(),
        Query::delete().from_table(OtpMessages::Table).to_owned(),
        Query::delete().from_table(LoginFlows::Table).to_owned(),
        Query::delete().from_table(OutletLinks::Table).to_owned(),
        Query::delete().from_table(OauthClients::Table).to_owned(),
        Query::delete().from_table(Partners::Table).to_owned(),
        Query::delete().from_table(UserRoles::Table).to_owned(),
        Query::delete().from_table(Users::Table).to_owned(),
        Query::delete().from_table(Outlets::Table).to_owned(),
        Query::delete().from_table(Merchants::Table).to_owned(),
    ];
    for stmt in &tables {
        execute(r, stmt).await?;
    }
    let clock = Query::delete()
        .from_table(Settings::Table)
        .and_where(Expr::col(Settings::Key).eq(settings::CLOCK_OFFSET_MS))
        .to_owned();
    execute(r, &clock).await?;
    Ok(())
}

/// True when no merchant exists yet (the demo seed only runs on an empty database).
pub async fn is_empty<R: Runner>(r: &mut R) -> Result<bool> {
    let stmt = Query::select()
        .expr(Expr::val(1))
        .from(Merchants::Table)
        .limit(1)
        .to_owned();
    Ok(crate::exec::fetch_optional(r, &stmt).await?.is_none())
}
