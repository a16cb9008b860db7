//! The connect flow, app side (DESIGN §1): start a flow, accept the link that answers it.

mod flows;
mod pkce;

pub use flows::{FLOW_TTL, FlowPurpose, PendingFlow, PendingFlows};
pub use pkce::{PkceVerifier, random_id};

/// Why a returning link was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The link's `state` was never issued by this app run.
    #[error(
        "This link is not one Evergreen started. If you were connecting an account, start again from Evergreen."
    )]
    LinkNotOurs,
    /// The link answers a flow that already finished.
    #[error("This link was already used. Your account is unaffected; start again if it isn't connected.")]
    LinkAlreadyUsed,
    /// The flow is older than [`FLOW_TTL`].
    #[error("This sign-in took too long and expired. Start again from Evergreen.")]
    LinkExpired,
}

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::clock::Clock;
use crate::deep_link::DeepLink;

/// A link that answers a flow of ours, with that flow.
pub struct AcceptedLink {
    /// The parsed link.
    pub link: DeepLink,
    /// The flow it answers, now finished.
    pub flow: PendingFlow,
}

/// Starts connect flows and accepts the links that answer them.
pub struct Connector {
    flows: Mutex<PendingFlows>,
    clock: Arc<dyn Clock>,
}

impl Connector {
    /// A connector with no flow pending.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { flows: Mutex::default(), clock }
    }

    fn flows(&self) -> MutexGuard<'_, PendingFlows> {
        self.flows.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Check a link from the operating system: well formed, answering a pending, unexpired
    /// flow of ours. Anything else is an error and changes nothing but forgetting a flow the
    /// link already answered.
    pub fn receive_link(&self, raw: &str) -> Result<AcceptedLink, crate::Error> {
        let link = DeepLink::parse(raw)?;
        let flow = self.flows().take(link.state(), self.clock.now())?;
        Ok(AcceptedLink { link, flow })
    }
}
