//! Where one-time passwords go. GoBiz texts them; the built-in sender logs them and keeps the
//! latest per phone for `GET /sandbox/v1/otp` (spec §2.5, §10.2).

/// A channel for OTPs. Implement it to text real phones.
pub trait OtpSender: Send + Sync {
    /// Delivers `code` to `phone`; an error is logged and the user may ask for a new code.
    fn send(&self, phone: &str, code: &str) -> Result<(), String>;

    /// True when the code should also be readable through the sandbox API.
    fn expose_in_sandbox(&self) -> bool;
}

/// The built-in sender: writes the OTP to the log and exposes it in the sandbox.
pub struct LogAndSandboxSender;

impl OtpSender for LogAndSandboxSender {
    fn send(&self, phone: &str, code: &str) -> Result<(), String> {
        tracing::info!(%phone, %code, "OTP sent (built-in sender: log and sandbox)");
        Ok(())
    }

    fn expose_in_sandbox(&self) -> bool {
        true
    }
}
