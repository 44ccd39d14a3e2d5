//! The OTP inbox of the sandbox console: every login OTP the built-in sender recorded (the
//! latest per phone), each with whether it can still be used — the listing form of
//! `GET /sandbox/v1/otp`.

use crate::secrets::token_hash;
use crate::{ServiceResult, Services};
use gobiz_domain::clock::{Clock, Millis};
use gobiz_domain::goauth::otp_live;
use gobiz_store::{console_reads, flows};

/// One OTP of the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxOtp {
    /// The phone it was sent to (`+628…`).
    pub phone: String,
    /// The code.
    pub code: String,
    /// When it was sent.
    pub sent_at: Millis,
    /// When it stops being accepted.
    pub expires_at: Millis,
    /// Wrong entries left (0 when it is no longer live).
    pub attempts_left: i64,
    /// Whether the login flow still accepts it (as `GET /sandbox/v1/otp` decides).
    pub live: bool,
}

impl Services {
    /// The most recent OTPs the built-in sender recorded, newest first (at most `limit`);
    /// empty when the OTP sender does not expose codes to the sandbox.
    pub async fn otp_inbox(&self, limit: u64) -> ServiceResult<Vec<InboxOtp>> {
        if !self.otp_sender.expose_in_sandbox() {
            return Ok(Vec::new());
        }
        let mut conn = self.db.conn().await?;
        let now = self.clock.now_ms();
        let mut out = Vec::new();
        for msg in console_reads::recent_otps(&mut conn, limit).await? {
            let flow = flows::get(&mut conn, &msg.flow_id).await?;
            let live = flow.as_ref().is_some_and(|f| {
                otp_live(f, now) && f.otp_hash.as_deref() == Some(token_hash(&msg.code).as_str())
            });
            out.push(InboxOtp {
                attempts_left: if live {
                    flow.map(|f| f.otp_attempts_left).unwrap_or(0)
                } else {
                    0
                },
                phone: msg.phone,
                code: msg.code,
                sent_at: msg.created_at,
                expires_at: msg.expires_at,
                live,
            });
        }
        Ok(out)
    }
}
