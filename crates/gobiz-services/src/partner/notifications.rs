//! Notification subscriptions, partner-wide and per outlet (spec §9.2–§9.5), and the
//! troubleshooting log (spec §9.10).

use crate::access::Principal;
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::events::EventName;
use gobiz_domain::ids::{OutletId, SubscriptionId};
use gobiz_domain::model::Mode;
use gobiz_domain::validation::Violations;
pub use gobiz_store::outbox::DeliveryFilter;
use gobiz_store::outbox::{self, Attempt, Delivery};
use gobiz_store::subscriptions;
pub use gobiz_store::subscriptions::Subscription;
use gobiz_store::StoreError;
use serde::Deserialize;

/// Body of create (`event` and `url` required) and update (any field; missing ones stay).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"event": "gofood.order.driver_arrived", "url": "https://sample-endpoint.com/notifications", "active": true}))]
pub struct SubscriptionFields {
    /// One event of spec §9.1, e.g. `gofood.order.awaiting_merchant_acceptance`. Required on
    /// create.
    #[schema(required = false, nullable = false, value_type = String, example = "gofood.order.driver_arrived",
        pattern = "^(gofood\\.order\\.(created|awaiting_merchant_acceptance|merchant_accepted|driver_otw_pickup|driver_arrived|placed|completed|cancelled|webhook_error)|gofood\\.catalog\\.menu_mapping_updated|payment\\.transaction\\.settlement)$")]
    pub event: Option<String>,
    /// The receiver URL (spec §9.3): in production `https` on port 443 or 80, not resolving
    /// to a private, loopback, link-local or metadata address. Required on create.
    #[schema(required = false, nullable = false, value_type = String, format = "uri", example = "https://sample-endpoint.com/notifications")]
    pub url: Option<String>,
    /// `false` sends nothing. Default `true` on create.
    #[schema(required = false, nullable = false, value_type = bool, default = true)]
    pub active: Option<bool>,
}

/// Read or write access to subscriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// GET.
    Read,
    /// POST, PUT, DELETE.
    Write,
}

/// A delivery with its history, as troubleshooting and the sandbox show it.
#[derive(Debug, Clone)]
pub struct DeliveryView {
    /// The delivery.
    pub delivery: Delivery,
    /// Every attempt, in order.
    pub history: Vec<Attempt>,
}

fn not_found(id: &str) -> ServiceError {
    ServiceError::NotFound(format!("Subscription with id: {id} is not found"))
}

impl Services {
    /// The access rule of spec §9.2, then (for outlet subscriptions) the outlet rule of §9.5.
    pub async fn subscription_scope(
        &self,
        who: &Principal,
        outlet_id: Option<&OutletId>,
        access: Access,
    ) -> ServiceResult<()> {
        let ok = who.scopes.iter().any(|s| {
            s.starts_with("gofood:")
                || s.starts_with("payment:")
                || s.starts_with("partner:outlet:")
        });
        if !ok {
            return Err(ServiceError::MissingScope(
                match access {
                    Access::Read => "partner:outlet:read",
                    Access::Write => "partner:outlet:write",
                }
                .into(),
            ));
        }
        if let Some(o) = outlet_id {
            self.accessible_outlet(who, o, None).await?;
        }
        Ok(())
    }

    async fn check_url(&self, v: &mut Violations, url: Option<&str>, required: bool) {
        match url {
            None if required => v.add("url", "is required"),
            None => {}
            Some(u) => {
                let production = self.config.mode == Mode::Production;
                if let Err(reason) = gobiz_webhooks::url_guard::check(u, production).await {
                    v.add("url", reason);
                }
            }
        }
    }

    fn check_event(v: &mut Violations, event: Option<&str>, required: bool) {
        match event {
            None if required => v.add("event", "is required"),
            None => {}
            Some(e) => {
                if let Err(unknown) = e.parse::<EventName>() {
                    v.add("event", unknown.to_string());
                }
            }
        }
    }

    /// Creates a subscription (201).
    pub async fn create_subscription(
        &self,
        who: &Principal,
        outlet_id: Option<&OutletId>,
        body: ServiceResult<SubscriptionFields>,
    ) -> ServiceResult<Subscription> {
        self.subscription_scope(who, outlet_id, Access::Write)
            .await?;
        let f = body?;
        let mut v = Violations::new();
        Self::check_event(&mut v, f.event.as_deref(), true);
        self.check_url(&mut v, f.url.as_deref(), true).await;
        v.finish()?;
        let now = self.clock.now_ms();
        let s = Subscription {
            id: uuid::Uuid::new_v4().to_string(),
            partner_id: who.partner.id.clone(),
            outlet_id: outlet_id.map(|o| o.to_string()),
            event: f.event.unwrap_or_default(),
            url: f.url.unwrap_or_default(),
            active: f.active.unwrap_or(true),
            created_at: now,
            updated_at: now,
        };
        subscriptions::insert(&mut self.db.conn().await?, &s)
            .await
            .map_err(duplicate)?;
        Ok(s)
    }

    /// The partner's subscriptions at one level.
    pub async fn list_subscriptions(
        &self,
        who: &Principal,
        outlet_id: Option<&OutletId>,
    ) -> ServiceResult<Vec<Subscription>> {
        self.subscription_scope(who, outlet_id, Access::Read)
            .await?;
        Ok(subscriptions::list(
            &mut self.db.conn().await?,
            &who.partner.id,
            outlet_id.map(|o| o.as_str()),
        )
        .await?)
    }

    /// One subscription of the partner at one level.
    pub async fn get_subscription(
        &self,
        who: &Principal,
        outlet_id: Option<&OutletId>,
        id: &SubscriptionId,
    ) -> ServiceResult<Subscription> {
        self.subscription_scope(who, outlet_id, Access::Read)
            .await?;
        subscriptions::get(
            &mut self.db.conn().await?,
            &who.partner.id,
            outlet_id.map(|o| o.as_str()),
            id,
        )
        .await?
        .ok_or_else(|| not_found(id))
    }

    /// Partial update (missing fields unchanged).
    pub async fn update_subscription(
        &self,
        who: &Principal,
        outlet_id: Option<&OutletId>,
        id: &SubscriptionId,
        body: ServiceResult<SubscriptionFields>,
    ) -> ServiceResult<Subscription> {
        self.subscription_scope(who, outlet_id, Access::Write)
            .await?;
        let mut s = subscriptions::get(
            &mut self.db.conn().await?,
            &who.partner.id,
            outlet_id.map(|o| o.as_str()),
            id,
        )
        .await?
        .ok_or_else(|| not_found(id))?;
        let f = body?;
        let mut v = Violations::new();
        Self::check_event(&mut v, f.event.as_deref(), false);
        self.check_url(&mut v, f.url.as_deref(), false).await;
        v.finish()?;
        if let Some(e) = f.event {
            s.event = e;
        }
        if let Some(u) = f.url {
            s.url = u;
        }
        if let Some(a) = f.active {
            s.active = a;
        }
        s.updated_at = self.clock.now_ms();
        subscriptions::update(&mut self.db.conn().await?, &s)
            .await
            .map_err(duplicate)?;
        Ok(s)
    }

    /// Deletes a subscription.
    pub async fn delete_subscription(
        &self,
        who: &Principal,
        outlet_id: Option<&OutletId>,
        id: &SubscriptionId,
    ) -> ServiceResult<()> {
        self.subscription_scope(who, outlet_id, Access::Write)
            .await?;
        let mut conn = self.db.conn().await?;
        subscriptions::get(
            &mut conn,
            &who.partner.id,
            outlet_id.map(|o| o.as_str()),
            id,
        )
        .await?
        .ok_or_else(|| not_found(id))?;
        subscriptions::delete(&mut conn, id).await?;
        Ok(())
    }

    /// `GET /integrations/partner/notifications?entity_id=`: the caller's deliveries for an
    /// entity, newest first.
    pub async fn troubleshoot(
        &self,
        who: &Principal,
        entity_id: Option<&str>,
    ) -> ServiceResult<Vec<DeliveryView>> {
        self.subscription_scope(who, None, Access::Read).await?;
        let entity = entity_id
            .filter(|e| !e.is_empty())
            .ok_or_else(|| ServiceError::invalid("entity_id", "is required"))?;
        let filter = DeliveryFilter {
            partner_id: Some(who.partner.id.clone()),
            entity_id: Some(entity.to_string()),
            ..DeliveryFilter::default()
        };
        self.delivery_views(&filter, 1000, 0).await
    }

    /// Deliveries with their histories (sandbox log and troubleshooting).
    pub async fn delivery_views(
        &self,
        filter: &DeliveryFilter,
        limit: u64,
        offset: u64,
    ) -> ServiceResult<Vec<DeliveryView>> {
        let mut conn = self.db.conn().await?;
        let list = outbox::list(&mut conn, filter, limit, offset).await?;
        let ids: Vec<String> = list.iter().map(|d| d.id.clone()).collect();
        let mut histories = outbox::histories(&mut conn, &ids).await?;
        Ok(list
            .into_iter()
            .map(|d| DeliveryView {
                history: histories.remove(&d.id).unwrap_or_default(),
                delivery: d,
            })
            .collect())
    }

    /// One delivery with its history.
    pub async fn delivery_view(&self, id: &str) -> ServiceResult<DeliveryView> {
        let mut conn = self.db.conn().await?;
        let delivery = outbox::get(&mut conn, id).await?.ok_or_else(|| {
            ServiceError::NotFound(format!("Delivery with id: {id} is not found"))
        })?;
        let history = outbox::history(&mut conn, id).await?;
        Ok(DeliveryView { delivery, history })
    }

    /// One immediate attempt of a delivery (sandbox).
    pub async fn redeliver(&self, id: &str) -> ServiceResult<DeliveryView> {
        let claimed = outbox::claimed_by_id(&mut self.db.conn().await?, id)
            .await?
            .ok_or_else(|| {
                ServiceError::NotFound(format!("Delivery with id: {id} is not found"))
            })?;
        if gobiz_store::listeners::is_listener_url(&claimed.delivery.endpoint) {
            // A listener's delivery goes out through its stream: due now, offered next.
            outbox::requeue(&mut self.db.conn().await?, id, self.now()).await?;
        } else {
            self.dispatcher.redeliver(&claimed).await?;
        }
        self.delivery_view(id).await
    }
}

fn duplicate(e: StoreError) -> ServiceError {
    match e {
        StoreError::Duplicate => ServiceError::Conflict("url has already been taken".into()),
        other => other.into(),
    }
}
