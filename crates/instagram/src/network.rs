//! The networks Evergreen keeps accounts of. Everything that differs between them is here or
//! in the network's own module ([`crate::Client`] for Instagram, [`crate::threads`]); the rest
//! of the product names a network, never a host, a grant type or an error table.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A social network whose tokens Evergreen renews. On the wire (the relay's answers, stored
/// records) it is [`Network::as_str`]'s word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// Instagram, through Instagram API with Instagram Login.
    Instagram,
    /// Threads, through the Threads API.
    Threads,
}

impl Network {
    /// Every network, in the order the app shows them.
    pub const ALL: [Network; 2] = [Network::Instagram, Network::Threads];

    /// The stable word stored and sent for it (SQLite, IPC, the relay, deep-link paths).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Instagram => "instagram",
            Self::Threads => "threads",
        }
    }

    /// Read [`Network::as_str`]'s word.
    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|network| network.as_str() == word)
    }

    /// Its name, for people.
    pub fn name(self) -> &'static str {
        match self {
            Self::Instagram => "Instagram",
            Self::Threads => "Threads",
        }
    }

    /// Where a person logs in, as people write it ("instagram.com").
    pub fn site(self) -> &'static str {
        match self {
            Self::Instagram => "instagram.com",
            Self::Threads => "threads.com",
        }
    }

    /// The network's own site, opened for the user to clear a checkpoint there. A fixed
    /// address: nothing the network or a link sends chooses what the browser opens.
    pub fn home_page(self) -> &'static str {
        match self {
            Self::Instagram => "https://www.instagram.com/",
            Self::Threads => "https://www.threads.com/",
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_word_is_the_stored_word() {
        for network in Network::ALL {
            assert_eq!(serde_json::to_value(network).unwrap(), network.as_str());
        }
    }

    #[test]
    fn words_read_back_and_nothing_else_reads() {
        for network in Network::ALL {
            assert_eq!(Network::parse(network.as_str()), Some(network));
        }
        for word in ["", "Instagram", "THREADS", "facebook", "threads "] {
            assert_eq!(Network::parse(word), None, "{word:?}");
        }
    }
}
