//! Errors as the UI receives them: `{ code, message }`.
//!
//! `code` is the core's stable [`evergreen_core::Code`] (the UI branches on it); `message` is
//! written for a social media manager. An error the core did not classify becomes
//! `"unknown"` with a generic message, and is logged in full here instead.

use serde::Serialize;

/// An error crossing IPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpcError {
    /// Stable, `snake_case`; `"unknown"` when unclassified.
    pub code: &'static str,
    /// What happened and what to do, in plain words. Never a secret.
    pub message: String,
}

impl IpcError {
    /// Something the core did not classify: log it, show a generic message.
    pub fn unknown(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(%error, "unclassified error");
        Self {
            code: "unknown",
            message:
                "Something went wrong inside Evergreen. Try again; if it keeps happening, restart Evergreen."
                    .into(),
        }
    }
}

impl From<evergreen_core::Error> for IpcError {
    fn from(error: evergreen_core::Error) -> Self {
        Self { code: error.code().as_str(), message: error.to_string() }
    }
}

impl From<crate::config::SaveError> for IpcError {
    fn from(error: crate::config::SaveError) -> Self {
        tracing::warn!(%error, "saving the configuration");
        Self { code: evergreen_core::Code::Storage.as_str(), message: error.to_string() }
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
    fn no_code_becomes_unknown_with_a_generic_message() {
        let json = serde_json::to_value(IpcError::unknown(&"disk on fire at /secret/path")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "code": "unknown",
                "message": "Something went wrong inside Evergreen. Try again; if it keeps happening, restart Evergreen."
            }),
            "the raw error stays in the log, never in the UI"
        );
    }
}
