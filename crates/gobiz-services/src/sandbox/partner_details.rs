//! What the sandbox console shows of one partner besides the partner itself: its OAuth
//! clients and every notification subscription it holds, partner-wide and per outlet.

use crate::partner::notifications::Subscription;
use crate::{ServiceResult, Services};
use gobiz_domain::entities::Client;
use gobiz_store::console_reads;

impl Services {
    /// The OAuth clients of a partner, oldest first (404 for an unknown partner).
    pub async fn partner_clients(&self, partner_id: &str) -> ServiceResult<Vec<Client>> {
        self.get_partner(partner_id).await?;
        Ok(console_reads::clients_of_partner(&mut self.db.conn().await?, partner_id).await?)
    }

    /// Every subscription of a partner: partner-wide first, then per outlet (404 for an
    /// unknown partner).
    pub async fn partner_subscriptions(
        &self,
        partner_id: &str,
    ) -> ServiceResult<Vec<Subscription>> {
        self.get_partner(partner_id).await?;
        Ok(console_reads::subscriptions_of_partner(&mut self.db.conn().await?, partner_id).await?)
    }
}
