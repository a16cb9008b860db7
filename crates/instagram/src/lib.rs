//! Instagram API with Instagram Login, as Evergreen uses it.
#![deny(missing_docs)]

mod token;

pub use token::{AccessToken, ClientSecret, serde_expose};
