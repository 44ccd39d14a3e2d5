//! Sandbox fixtures made through the admin API: merchants, outlets, users, partners,
//! clients, links, the clock.

use serde_json::{json, Value};

use super::client::TestApp;
use super::goauth_browser::FACILITATOR_AC_SCOPES;

/// Every scope the facilitator fixture's client is allowed.
pub const FACILITATOR_SCOPES: &[&str] = &[
    "partner:outlet:read",
    "partner:outlet:write",
    "gofood:catalog:read",
    "gofood:catalog:write",
    "gofood:order:read",
    "gofood:order:write",
    "gofood:outlet:write",
];

/// A unique valid Indonesian mobile number in the local `08…` form.
pub fn random_phone_local() -> String {
    let n = uuid::Uuid::new_v4().as_u128() % 100_000_000;
    format!("0812{n:08}")
}

/// `08…` → `+628…`.
pub fn normalised(local: &str) -> String {
    format!("+62{}", &local[1..])
}

#[derive(Debug, Clone)]
pub struct Fixture {
    pub merchant_id: String,
    pub outlet_id: String,
    pub user_id: String,
    /// Normalised (`+62…`).
    pub phone: String,
    pub partner_id: String,
    pub notification_secret: String,
    pub client_id: String,
    pub client_secret: String,
    /// The facilitator fixture's link (`gofood`); empty for the direct fixture.
    pub external_outlet_id: String,
}

impl TestApp {
    pub async fn create_merchant(&self, name: &str) -> String {
        let r = self
            .admin_post("/sandbox/v1/merchants", json!({ "name": name }))
            .await;
        r.data(201)["merchant"]["id"]
            .as_str()
            .expect("merchant.id")
            .to_string()
    }

    pub async fn create_outlet(&self, merchant_id: &str, body: Value) -> Value {
        let r = self
            .admin_post(
                &format!("/sandbox/v1/merchants/{merchant_id}/outlets"),
                body,
            )
            .await;
        r.data(201)["outlet"].clone()
    }

    pub async fn create_outlet_id(&self, merchant_id: &str, name: &str) -> String {
        let o = self
            .create_outlet(merchant_id, json!({ "name": name }))
            .await;
        o["id"].as_str().expect("outlet.id").to_string()
    }

    pub async fn create_partner(&self, body: Value) -> Value {
        let r = self.admin_post("/sandbox/v1/partners", body).await;
        r.data(201)["partner"].clone()
    }

    pub async fn create_client(&self, partner_id: &str, scopes: &[&str]) -> (String, String) {
        let r = self
            .admin_post(
                &format!("/sandbox/v1/partners/{partner_id}/clients"),
                json!({ "allowed_scopes": scopes, "allowed_grants": ["client_credentials"] }),
            )
            .await;
        let c = &r.data(201)["client"];
        (
            c["client_id"].as_str().expect("client_id").to_string(),
            c["client_secret"]
                .as_str()
                .expect("client_secret")
                .to_string(),
        )
    }

    pub async fn link(
        &self,
        fx: &Fixture,
        outlet_id: &str,
        product: &str,
        external_outlet_id: &str,
    ) -> Value {
        let r = self
            .admin_post(
                "/sandbox/v1/links",
                json!({ "user_id": fx.user_id, "partner_id": fx.partner_id, "outlet_id": outlet_id,
                        "product": product, "external_outlet_id": external_outlet_id }),
            )
            .await;
        r.data(200)["outlet"].clone()
    }

    /// Merchant, outlet, owner user, facilitator partner, client with [`FACILITATOR_SCOPES`],
    /// and the outlet linked to the partner for `gofood`.
    pub async fn setup_facilitator(&self) -> Fixture {
        let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
        let merchant_id = self.create_merchant(&format!("Warung {tag}")).await;
        let outlet = self
            .create_outlet(
                &merchant_id,
                json!({ "name": format!("Outlet {tag}"), "address": "Jl. Kemang Raya 10, Jakarta",
                        "email": format!("outlet-{tag}@example.com") }),
            )
            .await;
        let outlet_id = outlet["id"].as_str().expect("outlet.id").to_string();
        let phone = random_phone_local();
        let r = self
            .admin_post(
                "/sandbox/v1/users",
                json!({ "phone": phone, "name": format!("Owner {tag}"),
                        "roles": [{ "merchant_id": merchant_id, "role": "owner" }],
                        "primary_outlet_id": outlet_id }),
            )
            .await;
        let user_id = r.data(201)["user"]["id"]
            .as_str()
            .expect("user.id")
            .to_string();
        let partner = self
            .create_partner(json!({ "name": format!("POS {tag}"), "type": "facilitator" }))
            .await;
        let partner_id = partner["id"].as_str().expect("partner.id").to_string();
        let notification_secret = partner["notification_secret"]
            .as_str()
            .expect("notification_secret")
            .to_string();
        let (client_id, client_secret) = self.create_client(&partner_id, FACILITATOR_SCOPES).await;
        let mut fx = Fixture {
            merchant_id,
            outlet_id: outlet_id.clone(),
            user_id,
            phone: normalised(&phone),
            partner_id,
            notification_secret,
            client_id,
            client_secret,
            external_outlet_id: format!("ext-{tag}"),
        };
        let ext = fx.external_outlet_id.clone();
        self.link(&fx, &outlet_id, "gofood", &ext).await;
        fx.external_outlet_id = ext;
        fx
    }

    /// Merchant, outlet, direct partner of that merchant and its client; no user, no link.
    pub async fn setup_direct(&self) -> Fixture {
        let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
        let merchant_id = self.create_merchant(&format!("Direct {tag}")).await;
        let outlet_id = self
            .create_outlet_id(&merchant_id, &format!("Direct outlet {tag}"))
            .await;
        let partner = self
            .create_partner(json!({ "name": format!("Direct {tag}"), "type": "direct", "merchant_id": merchant_id }))
            .await;
        let partner_id = partner["id"].as_str().expect("partner.id").to_string();
        let notification_secret = partner["notification_secret"]
            .as_str()
            .expect("notification_secret")
            .to_string();
        let (client_id, client_secret) = self.create_client(&partner_id, FACILITATOR_SCOPES).await;
        Fixture {
            merchant_id,
            outlet_id,
            user_id: String::new(),
            phone: String::new(),
            partner_id,
            notification_secret,
            client_id,
            client_secret,
            external_outlet_id: String::new(),
        }
    }

    pub async fn advance_clock(&self, seconds: i64) {
        let r = self
            .admin_post("/sandbox/v1/clock/advance", json!({ "seconds": seconds }))
            .await;
        r.data(200);
    }
}

impl TestApp {
    /// A client of `partner_id` for every grant and [`FACILITATOR_AC_SCOPES`], registered
    /// with `redirect_uris`; returns `(client_id, client_secret)`.
    pub async fn create_ac_client(
        &self,
        partner_id: &str,
        redirect_uris: &[&str],
    ) -> (String, String) {
        let r = self
            .admin_post(
                &format!("/sandbox/v1/partners/{partner_id}/clients"),
                json!({ "redirect_uris": redirect_uris, "allowed_scopes": FACILITATOR_AC_SCOPES,
                        "allowed_grants": ["client_credentials", "authorization_code", "refresh_token"],
                        "public": false, "require_pkce": false }),
            )
            .await;
        let c = &r.data(201)["client"];
        (
            c["client_id"].as_str().expect("client_id").to_string(),
            c["client_secret"]
                .as_str()
                .expect("client_secret")
                .to_string(),
        )
    }

    /// A merchant user with `roles` (`(merchant_id, role)`); returns `(user_id, local phone)`.
    pub async fn create_user(
        &self,
        roles: &[(&str, &str)],
        primary_outlet_id: Option<&str>,
    ) -> (String, String) {
        let phone = random_phone_local();
        let roles: Vec<Value> = roles
            .iter()
            .map(|(m, r)| json!({ "merchant_id": m, "role": r }))
            .collect();
        let mut body = json!({ "phone": phone, "name": "Test User", "roles": roles });
        if let Some(o) = primary_outlet_id {
            body["primary_outlet_id"] = json!(o);
        }
        let r = self.admin_post("/sandbox/v1/users", body).await;
        let id = r.data(201)["user"]["id"]
            .as_str()
            .expect("user.id")
            .to_string();
        (id, phone)
    }
}
