//! The server key that seals notification secrets at rest (`gobiz_webhooks::sealed`): where
//! it comes from, and sealing what was stored before.

use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::model::Mode;
use gobiz_store::{partners, settings, Db};
use gobiz_webhooks::sealed::{SealError, SecretBox};

/// Shortest accepted `--secret-key`.
pub const MIN_KEY_LEN: usize = 32;

/// The key material: the configured key; in sandbox mode without one, a key generated once
/// and kept in the database (a convenience: a production key is never stored with the data).
pub async fn secret_key(db: &Db, configured: Option<&str>, mode: Mode) -> ServiceResult<String> {
    match (configured, mode) {
        (Some(k), _) if k.chars().count() >= MIN_KEY_LEN => Ok(k.to_string()),
        (Some(_), _) => Err(ServiceError::invalid(
            "secret_key",
            format!("must be at least {MIN_KEY_LEN} characters"),
        )),
        (None, Mode::Sandbox) => {
            let mut conn = db.conn().await?;
            let fresh = crate::secrets::new_client_secret();
            Ok(settings::get_or_insert(&mut conn, settings::SANDBOX_SECRET_KEY, &fresh).await?)
        }
        (None, Mode::Production) => Err(ServiceError::invalid(
            "secret_key",
            "is required in production mode (--secret-key / GOBIZ_SECRET_KEY): it seals the notification secrets",
        )),
    }
}

impl Services {
    /// Seals notification secrets stored in plain text and checks that the key opens the
    /// sealed ones (a wrong key is refused at start instead of signing nothing later).
    /// Returns how many were sealed now.
    pub async fn seal_stored_secrets(&self) -> ServiceResult<usize> {
        let sealer: &SecretBox = &self.config.webhooks.sealer;
        let mut tx = self.db.begin().await?;
        let mut sealed = 0;
        for (id, stored) in partners::all_secrets(&mut tx).await? {
            if SecretBox::is_sealed(&stored) {
                if let Err(e @ (SealError::WrongKey | SealError::NoKey)) = sealer.open(&stored) {
                    return Err(ServiceError::invalid(
                        "secret_key",
                        format!("does not open the stored notification secrets ({e})"),
                    ));
                }
            } else {
                let now_sealed = sealer.seal(&stored);
                if now_sealed != stored {
                    partners::set_secret(&mut tx, &id, &now_sealed).await?;
                    sealed += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(sealed)
    }
}
