//! Merchant users and their roles.

use crate::exec::Row;
use crate::exec::{execute, fetch_all, fetch_optional, int, opt_text, parsed, text};
use crate::schema::{UserRoles, Users};
use crate::{Result, Runner};
use gobiz_domain::entities::{RoleGrant, User};
use gobiz_domain::model::Role;
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

/// Every column of `users`, in insert order.
const COLUMNS: [Users; 5] = [
    Users::Id,
    Users::Phone,
    Users::Name,
    Users::PrimaryOutletId,
    Users::CreatedAt,
];

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(Users::Table)
        .to_owned()
}

fn from_row(row: &Row) -> Result<User> {
    Ok(User {
        id: text(row, "id")?,
        phone: text(row, "phone")?,
        name: text(row, "name")?,
        roles: Vec::new(),
        primary_outlet_id: opt_text(row, "primary_outlet_id")?,
        created_at: int(row, "created_at")?,
    })
}

async fn roles_of<R: Runner>(r: &mut R, user_id: &str) -> Result<Vec<RoleGrant>> {
    let stmt = Query::select()
        .columns([UserRoles::MerchantId, UserRoles::Role])
        .from(UserRoles::Table)
        .and_where(Expr::col(UserRoles::UserId).eq(user_id))
        .order_by(UserRoles::MerchantId, Order::Asc)
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| {
            Ok(RoleGrant {
                merchant_id: text(row, "merchant_id")?,
                role: parsed(text(row, "role")?, Role::parse)?,
            })
        })
        .collect()
}

async fn with_roles<R: Runner>(r: &mut R, row: Option<Row>) -> Result<Option<User>> {
    let Some(row) = row else { return Ok(None) };
    let mut user = from_row(&row)?;
    user.roles = roles_of(r, &user.id).await?;
    Ok(Some(user))
}

/// Inserts a user with its roles (run inside a transaction).
pub async fn insert<R: Runner>(r: &mut R, u: &User) -> Result<()> {
    let stmt = Query::insert()
        .into_table(Users::Table)
        .columns(COLUMNS)
        .values_panic([
            u.id.clone().into(),
            u.phone.clone().into(),
            u.name.clone().into(),
            u.primary_outlet_id.clone().into(),
            u.created_at.into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    for g in &u.roles {
        let stmt = Query::insert()
            .into_table(UserRoles::Table)
            .columns([UserRoles::UserId, UserRoles::MerchantId, UserRoles::Role])
            .values_panic([
                u.id.clone().into(),
                g.merchant_id.clone().into(),
                g.role.as_str().into(),
            ])
            .to_owned();
        execute(r, &stmt).await?;
    }
    Ok(())
}

/// One user by id, with roles.
pub async fn get<R: Runner>(r: &mut R, id: &str) -> Result<Option<User>> {
    let stmt = select().and_where(Expr::col(Users::Id).eq(id)).to_owned();
    let row = fetch_optional(r, &stmt).await?;
    with_roles(r, row).await
}

/// One user by normalised phone, with roles.
pub async fn by_phone<R: Runner>(r: &mut R, phone: &str) -> Result<Option<User>> {
    let stmt = select()
        .and_where(Expr::col(Users::Phone).eq(phone))
        .to_owned();
    let row = fetch_optional(r, &stmt).await?;
    with_roles(r, row).await
}

/// Every user, oldest first, with roles.
pub async fn list<R: Runner>(r: &mut R) -> Result<Vec<User>> {
    let stmt = select()
        .order_by(Users::CreatedAt, Order::Asc)
        .order_by(Users::Id, Order::Asc)
        .to_owned();
    let rows = fetch_all(r, &stmt).await?;
    let mut users = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(u) = with_roles(r, Some(row)).await? {
            users.push(u);
        }
    }
    Ok(users)
}
