//! Connect flows the app has started and not yet finished.
//!
//! A flow lives only in memory, keyed by its random `state`, together with the PKCE verifier
//! that never leaves the app. A returning link is accepted only if its state is pending and
//! unexpired. The state is not a secret (it is in the opener's argv, the browser's history,
//! the clipboard), so a link alone never ends a flow: it stays pending until the relay has
//! handed over a token for it ([`PendingFlows::finish`]), the person cancels, or it expires.
//! Recently finished states are remembered briefly so that a replayed link gets an honest
//! "already used" answer.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::Error;
use super::pkce::PkceVerifier;
use crate::deep_link::FlowState;

/// How long the app waits for the browser; the relay's sessions live as long.
pub const FLOW_TTL: Duration = Duration::minutes(10);
/// Pending flows kept at most: a user clicking "Connect" again and again cannot grow memory.
const MAX_PENDING: usize = 16;
/// Finished states remembered to tell "already used" from "not ours".
const MAX_FINISHED: usize = 64;

/// Why the flow was started; decides what a successful link does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowPurpose {
    /// The first account, or any account, from the "Connect Instagram" button.
    Connect,
    /// "Connect another account": Instagram is asked to force a fresh login.
    AddAccount,
    /// "Reconnect" on an existing account (by its network and the network's id).
    Reconnect {
        /// The account's network: the sign-in is on it.
        network: crate::account::Network,
        /// The account the user meant to repair.
        network_user_id: String,
    },
}

/// A flow waiting for its link.
pub struct PendingFlow {
    /// The network it connects: its link and its handoff must name the same one.
    pub network: crate::account::Network,
    /// The relay it started at, which alone can hand over its token.
    pub relay: super::RelayClient,
    /// Proves to the relay that the app redeeming the handoff is the one that started it.
    pub verifier: Arc<PkceVerifier>,
    /// Held while a handoff for this flow is being redeemed: links for one flow are tried one
    /// after another, so a forged one cannot push the real one aside.
    pub redeeming: Arc<tokio::sync::Mutex<()>>,
    /// What the user asked for.
    pub purpose: FlowPurpose,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
    /// Instagram's login page for it (not secret: the state is public, the verifier is not in it).
    pub authorize_url: String,
}

/// The flows of this app run.
#[derive(Default)]
pub struct PendingFlows {
    pending: HashMap<FlowState, PendingFlow>,
    finished: VecDeque<FlowState>,
}

impl PendingFlows {
    /// Remember a new flow; the oldest pending one is dropped when full.
    pub fn insert(&mut self, state: FlowState, flow: PendingFlow) {
        if self.pending.len() >= MAX_PENDING
            && let Some(oldest) =
                self.pending.iter().min_by_key(|(_, f)| f.expires_at).map(|(s, _)| s.clone())
        {
            self.pending.remove(&oldest);
        }
        self.pending.insert(state, flow);
    }

    /// Check that a link's flow is pending and unexpired; the flow stays. An expired flow is
    /// forgotten.
    pub fn check(&mut self, state: &FlowState, now: DateTime<Utc>) -> Result<&PendingFlow, Error> {
        let Some(expires_at) = self.pending.get(state).map(|f| f.expires_at) else {
            return Err(if self.finished.contains(state) {
                Error::LinkAlreadyUsed
            } else {
                Error::LinkNotOurs
            });
        };
        if now >= expires_at {
            self.pending.remove(state);
            self.remember_finished(state.clone());
            return Err(Error::LinkExpired);
        }
        Ok(self.pending.get(state).expect("just looked"))
    }

    /// The flow got its token: it is over, and later links for it are "already used".
    pub fn finish(&mut self, state: &FlowState) -> Option<PendingFlow> {
        let flow = self.pending.remove(state)?;
        self.remember_finished(state.clone());
        Some(flow)
    }

    /// Forget a flow the user cancelled.
    pub fn cancel(&mut self, state: &FlowState) -> bool {
        let existed = self.pending.remove(state).is_some();
        if existed {
            self.remember_finished(state.clone());
        }
        existed
    }

    /// The login page of a pending flow.
    pub fn authorize_url(&self, state: &FlowState) -> Option<String> {
        self.pending.get(state).map(|f| f.authorize_url.clone())
    }

    /// Whether a flow is still waiting (tests and the UI's waiting state).
    pub fn is_pending(&self, state: &FlowState) -> bool {
        self.pending.contains_key(state)
    }

    fn remember_finished(&mut self, state: FlowState) {
        if self.finished.len() >= MAX_FINISHED {
            self.finished.pop_front();
        }
        self.finished.push_back(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn flow(expires_at: DateTime<Utc>) -> PendingFlow {
        PendingFlow {
            network: crate::account::Network::Instagram,
            relay: super::super::RelayClient::new("http://127.0.0.1:9/".parse().unwrap()),
            verifier: Arc::new(PkceVerifier::generate()),
            redeeming: Arc::default(),
            purpose: FlowPurpose::Connect,
            expires_at,
            authorize_url: "https://www.instagram.com/oauth/authorize".into(),
        }
    }

    fn state(s: &str) -> FlowState {
        FlowState::new(s.into()).unwrap()
    }

    #[test]
    fn a_link_leaves_the_flow_pending_until_it_is_finished() {
        let mut flows = PendingFlows::default();
        flows.insert(state("s1"), flow(now() + FLOW_TTL));
        assert!(flows.check(&state("s1"), now()).is_ok());
        assert!(
            flows.check(&state("s1"), now()).is_ok(),
            "checking twice is fine: a link alone ends nothing"
        );
        assert!(flows.finish(&state("s1")).is_some());
        assert!(matches!(flows.check(&state("s1"), now()), Err(Error::LinkAlreadyUsed)));
        assert!(flows.finish(&state("s1")).is_none());
    }

    #[test]
    fn unknown_state_is_not_ours() {
        let mut flows = PendingFlows::default();
        assert!(matches!(flows.check(&state("y"), now()), Err(Error::LinkNotOurs)));
    }

    #[test]
    fn expired_flow_is_refused_and_forgotten() {
        let mut flows = PendingFlows::default();
        flows.insert(state("s1"), flow(now()));
        assert!(matches!(flows.check(&state("s1"), now()), Err(Error::LinkExpired)));
        assert!(!flows.is_pending(&state("s1")));
    }

    #[test]
    fn pending_flows_are_bounded() {
        let mut flows = PendingFlows::default();
        for i in 0..100 {
            flows.insert(state(&format!("s{i}")), flow(now() + Duration::seconds(i)));
        }
        assert_eq!(flows.pending.len(), MAX_PENDING);
        assert!(flows.is_pending(&state("s99")), "the newest flow survives");
        assert!(!flows.is_pending(&state("s0")), "the oldest flow was dropped");
    }
}
