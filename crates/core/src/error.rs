//! The core's error type and the stable codes the UI branches on.
//!
//! Every module has its own `thiserror` enum; [`Error`] gathers them and [`Error::code`]
//! classifies each into a [`Code`]. The `Display` text of an [`Error`] is written for a
//! social media manager: it says what happened and what to do, and never holds a secret.

use crate::{connect, deep_link};

/// Stable error codes sent across IPC. A variant exists only while the UI branches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// A deep link that is malformed: wrong scheme, path, parameters or encoding.
    InvalidLink,
    /// A well-formed link whose `state` this app never issued.
    LinkNotOurs,
    /// A link that answers a flow which already finished.
    LinkAlreadyUsed,
    /// A link that answers a flow older than its time limit.
    LinkExpired,
}

impl Code {
    /// The wire form, `snake_case`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidLink => "invalid_link",
            Self::LinkNotOurs => "link_not_ours",
            Self::LinkAlreadyUsed => "link_already_used",
            Self::LinkExpired => "link_expired",
        }
    }
}

/// Anything the core can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A link refused by [`deep_link::DeepLink::parse`].
    #[error("This link can't be used: {0}. Start the connection again from Evergreen.")]
    InvalidLink(#[from] deep_link::Error),
    /// A well-formed link refused by the connect flow.
    #[error(transparent)]
    Connect(#[from] connect::Error),
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> Code {
        match self {
            Self::InvalidLink(_) => Code::InvalidLink,
            Self::Connect(e) => match e {
                connect::Error::LinkNotOurs => Code::LinkNotOurs,
                connect::Error::LinkAlreadyUsed => Code::LinkAlreadyUsed,
                connect::Error::LinkExpired => Code::LinkExpired,
            },
        }
    }
}
