//! Errors as the UI receives them: `{ code, message }`.
//!
//! `code` is one of the core's [`Code`]s, the one list of what crosses IPC; `message` is
//! written for a social media manager. An error nothing classified is `internal` with a generic
//! message, and is logged in full here instead.

use evergreen_core::Code;
use serde::Serialize;

/// An error crossing IPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpcError {
    /// Stable, `snake_case`.
    pub code: Code,
    /// What happened and what to do, in plain words. Never a secret.
    pub message: String,
}

impl IpcError {
    /// An error the shell classifies itself.
    pub fn new(code: Code, message: &str) -> Self {
        Self { code, message: message.into() }
    }

    /// Something nothing classified: log it, show a generic message.
    pub fn internal(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(%error, "unclassified error");
        Self::new(
            Code::Internal,
            "Something went wrong inside Evergreen. Try again; if it keeps happening, restart Evergreen.",
        )
    }
}

impl From<evergreen_core::Error> for IpcError {
    fn from(error: evergreen_core::Error) -> Self {
        Self { code: error.code(), message: error.to_string() }
    }
}

impl From<crate::config::SaveError> for IpcError {
    fn from(error: crate::config::SaveError) -> Self {
        tracing::warn!(%error, "saving the configuration");
        Self { code: Code::Storage, message: error.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use evergreen_core::deep_link::DeepLink;

    #[test]
    fn core_error_keeps_its_code_and_message() {
        let error = DeepLink::parse("https://example.com").unwrap_err();
        let json = serde_json::to_value(IpcError::from(evergreen_core::Error::from(error))).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "code": "invalid_link",
                "message": "This link can't be used: it is not an Evergreen link. Start the connection again from Evergreen."
            })
        );
    }

    #[test]
    fn an_unclassified_error_is_internal_with_a_generic_message() {
        let json = serde_json::to_value(IpcError::internal(&"disk on fire at /secret/path")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "code": "internal",
                "message": "Something went wrong inside Evergreen. Try again; if it keeps happening, restart Evergreen."
            }),
            "the raw error stays in the log, never in the UI"
        );
    }
}
