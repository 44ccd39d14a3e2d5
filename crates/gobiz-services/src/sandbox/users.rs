//! Sandbox merchant users (spec §10.2): a phone number, a name and one role per merchant.

use super::{conflict_on_duplicate, take_name, uuid};
use crate::{ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::entities::{RoleGrant, User};
use gobiz_domain::model::Role;
use gobiz_domain::phone;
use gobiz_domain::validation::Violations;
use gobiz_store::{merchants, outlets, users};
use serde::Deserialize;

/// One `roles[]` entry of a new user.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"merchant_id": "3f1c2a9e-7b4d-4e51-9a0b-5c6d7e8f9012", "role": "owner"}))]
pub struct NewRole {
    /// An existing merchant the role applies to (one role per merchant).
    #[schema(required = true, nullable = false, value_type = String)]
    pub merchant_id: Option<String>,
    /// `owner`, `admin` or `manager`.
    #[schema(required = true, nullable = false, value_type = String, pattern = "^(owner|admin|manager)$")]
    pub role: Option<String>,
}

/// `POST /sandbox/v1/users`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"phone": "081234567890", "name": "Sari (owner)", "roles": [{"merchant_id": "3f1c2a9e-7b4d-4e51-9a0b-5c6d7e8f9012", "role": "owner"}], "primary_outlet_id": "G000012345"}))]
pub struct NewUser {
    /// An Indonesian mobile number: `08…`, `628…` or `+628…` (stored as `+628…`; unique).
    #[schema(required = true, nullable = false, value_type = String)]
    pub phone: Option<String>,
    /// Display name, 1 to 100 characters.
    #[schema(required = true, nullable = false, value_type = String, min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// One role per merchant (default: none).
    #[schema(required = false, nullable = false, value_type = Vec<NewRole>)]
    pub roles: Option<Vec<NewRole>>,
    /// The outlet token-info lists first: an outlet of a merchant the user has a role in.
    #[schema(required = false, nullable = false, value_type = String, pattern = "^G[0-9]{9}$")]
    pub primary_outlet_id: Option<String>,
}

impl Services {
    /// Creates a merchant user with roles.
    pub async fn create_user(&self, input: NewUser) -> ServiceResult<User> {
        let mut v = Violations::new();
        let phone = match input.phone.as_deref() {
            None => {
                v.add("phone", "is required");
                None
            }
            Some(p) => {
                let n = phone::normalize(p);
                if n.is_none() {
                    v.add(
                        "phone",
                        "must be an Indonesian mobile number (08…, 628… or +628…)",
                    );
                }
                n
            }
        };
        take_name(&mut v, "name", &input.name);
        let mut roles = Vec::new();
        for (i, r) in input.roles.iter().flatten().enumerate() {
            let role = match r.role.as_deref() {
                None => {
                    v.add(format!("roles[{i}].role"), "is required");
                    None
                }
                Some(s) => {
                    let parsed = Role::parse(s);
                    if parsed.is_none() {
                        v.add(
                            format!("roles[{i}].role"),
                            format!("must be one of {}", Role::choices()),
                        );
                    }
                    parsed
                }
            };
            match r.merchant_id.as_deref() {
                None => v.add(format!("roles[{i}].merchant_id"), "is required"),
                Some(m) if roles.iter().any(|g: &RoleGrant| g.merchant_id == m) => v.add(
                    format!("roles[{i}].merchant_id"),
                    "has a role already (one role per merchant)",
                ),
                Some(m) => {
                    if let Some(role) = role {
                        roles.push(RoleGrant {
                            merchant_id: m.to_string(),
                            role,
                        });
                    }
                }
            }
        }
        let mut tx = self.db.begin().await?;
        for (i, g) in roles.iter().enumerate() {
            if merchants::get(&mut tx, &g.merchant_id).await?.is_none() {
                v.add(
                    format!("roles[{i}].merchant_id"),
                    format!("merchant {} does not exist", g.merchant_id),
                );
            }
        }
        if let Some(outlet_id) = input.primary_outlet_id.as_deref() {
            match outlets::get(&mut tx, outlet_id).await? {
                None => v.add(
                    "primary_outlet_id",
                    format!("outlet {outlet_id} does not exist"),
                ),
                Some(o) if !roles.iter().any(|g| g.merchant_id == o.merchant_id) => v.add(
                    "primary_outlet_id",
                    "must be an outlet of a merchant the user has a role in",
                ),
                Some(_) => {}
            }
        }
        v.finish()?;
        let phone = phone.unwrap_or_default();
        let user = User {
            id: uuid(),
            phone: phone.clone(),
            name: input.name.unwrap_or_default(),
            roles,
            primary_outlet_id: input.primary_outlet_id,
            created_at: self.clock.now_ms(),
        };
        users::insert(&mut tx, &user)
            .await
            .map_err(conflict_on_duplicate(format!(
                "User with phone: {phone} already exists"
            )))?;
        tx.commit().await?;
        Ok(user)
    }

    /// Every user.
    pub async fn list_users(&self) -> ServiceResult<Vec<User>> {
        Ok(users::list(&mut self.db.conn().await?).await?)
    }
}
