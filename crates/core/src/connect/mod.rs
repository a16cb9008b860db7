//! The connect flow, app side (DESIGN §1): start a flow at the relay, open Instagram's page,
//! accept the link that answers it, collect the token with the verifier.

mod flows;
mod pkce;
mod relay;

use crate::account::Network;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

pub use flows::{FLOW_TTL, FlowPurpose, PendingFlow, PendingFlows};
pub use pkce::PkceVerifier;
pub use relay::{Handoff, RelayClient, ServiceInfo};

use crate::clock::Clock;
use crate::deep_link::{DeepLink, FlowState};

/// Why connecting did not work, in words a social media manager can act on.
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
    /// The flow is older than its time limit.
    #[error("This sign-in took too long and expired. Start again from Evergreen.")]
    LinkExpired,
    /// The link's handoff belongs to another flow's verifier.
    #[error("This link belongs to a different sign-in. Start again from Evergreen.")]
    LinkWrongFlow,
    /// The person chose Cancel on Instagram's page.
    #[error("You cancelled the Instagram login. Nothing was connected.")]
    Cancelled,
    /// A personal account.
    #[error(
        "Instagram refused: this is not a professional account. Only Business and Creator accounts can connect; switch it to a professional account in the Instagram app, then try again."
    )]
    NotProfessional,
    /// A permission was not granted.
    #[error(
        "Instagram didn't grant the permissions Evergreen needs. Connect again and keep every permission ticked."
    )]
    PermissionsMissing,
    /// Instagram is down or throttling.
    #[error("Instagram is having trouble right now. Try again in a few minutes.")]
    InstagramUnavailable,
    /// Instagram wants the person to confirm the login on instagram.com first (a checkpoint).
    #[error(
        "Instagram wants you to confirm this login first. Log in on instagram.com or in the Instagram app, follow what it asks, then connect again."
    )]
    CheckpointAtSignIn,
    /// Instagram ended the new connection at once (a dead-token answer during sign-in).
    #[error(
        "Instagram ended this sign-in straight away. Log out of Instagram in your browser, log in again, then connect again."
    )]
    SessionRejected,
    /// Instagram refused for another reason.
    #[error(
        "Instagram refused the sign-in. Try again; if it keeps happening, log out of Instagram in your browser and log in again."
    )]
    InstagramRefused,
    /// The relay could not be reached.
    #[error("Evergreen couldn't reach its sign-in service. Check your internet connection and try again.")]
    RelayUnreachable,
    /// The relay is full or limiting us.
    #[error("The sign-in service is busy. Try again in a minute.")]
    RelayBusy,
    /// The relay is configured at a plain-http address that is not this computer.
    #[error(
        "The sign-in service must be reached over https (plain http only on this computer). Check the address Evergreen is set to use."
    )]
    RelayNotHttps,
    /// No sign-in service is set up, so no account can be connected (renewals go on).
    #[error(
        "No sign-in service is set up, so Evergreen can't connect accounts. Add one in Settings → Sign-in service (ask whoever gave you Evergreen for its address)."
    )]
    NoSignInService,
    /// The address typed for a sign-in service is not a web address.
    #[error("That isn't a web address. Type the sign-in service's address, like https://signin.example.com.")]
    ServiceAddressInvalid,
    /// The address answers, but not as an Evergreen sign-in service.
    #[error(
        "That address answers, but it isn't an Evergreen sign-in service. Check the address with whoever runs your sign-in service."
    )]
    NotASignInService,
    /// The relay asked to open a login page that is not Instagram's.
    #[error(
        "The sign-in service asked Evergreen to open a page that is not Instagram's, so it didn't. Check the sign-in service Evergreen is set to use."
    )]
    LoginPageNotInstagram,
    /// The relay answered something we cannot use.
    #[error("The sign-in service answered something unexpected. Start again from Evergreen.")]
    RelayRefused,
    /// The token was already collected, or waited too long at the relay.
    #[error("This sign-in was already collected or has expired. Start again from Evergreen.")]
    HandoffGone,
    /// Instagram could not be asked whose the handed-over token is.
    #[error(
        "Evergreen couldn't check the new connection with Instagram. Check your internet connection and start again."
    )]
    IdentityUnconfirmed,
    /// The UI named a network Evergreen does not connect.
    #[error("Evergreen can't connect accounts of that kind.")]
    UnknownNetwork,
    /// The sign-in service has no app on the network asked for.
    #[error(
        "Your sign-in service doesn't connect accounts of that network yet. Ask whoever runs it to add it, or choose another in Settings → Sign-in service."
    )]
    NetworkNotOffered,
    /// The handed-over token belongs to another account than the sign-in service said.
    #[error(
        "The sign-in service sent a connection for a different account than it named, so Evergreen didn't save it. Start again; if it happens again, contact whoever runs your sign-in service."
    )]
    IdentityMismatch,
}

impl Error {
    /// The error a relay failure link (`error=…`) stands for.
    fn from_link(error: &str) -> Self {
        match error {
            "access_denied" => Self::Cancelled,
            "not_professional" => Self::NotProfessional,
            "permissions_missing" => Self::PermissionsMissing,
            "instagram_unavailable" => Self::InstagramUnavailable,
            "session_expired" => Self::LinkExpired,
            "busy" => Self::RelayBusy,
            "checkpoint" => Self::CheckpointAtSignIn,
            "session_rejected" => Self::SessionRejected,
            _ => Self::InstagramRefused,
        }
    }
}

/// A link that answers a pending flow of ours (the flow stays pending).
pub struct AcceptedLink {
    /// The parsed link.
    pub link: DeepLink,
}

/// A flow the relay started: open `authorize_url` in the browser.
#[derive(Debug, Clone)]
pub struct StartedFlow {
    /// Identifies the flow (the waiting dialog tracks it).
    pub state: FlowState,
    /// Instagram's login page for it.
    pub authorize_url: String,
}

/// The token a finished flow collected, and what the flow was for.
#[derive(Debug)]
pub struct Collected {
    /// The relay's handoff.
    pub handoff: Handoff,
    /// What the user asked for.
    pub purpose: FlowPurpose,
    /// The flow's state.
    pub state: FlowState,
}

/// Starts connect flows and accepts the links that answer them.
pub struct Connector {
    flows: Mutex<PendingFlows>,
    clock: Arc<dyn Clock>,
    /// Where new flows start (none: no sign-in service is set up). A flow keeps the relay it
    /// started at, so changing the service mid-sign-in finishes that sign-in where it began.
    relay: Mutex<Option<RelayClient>>,
    ttl: chrono::Duration,
    /// Where a login page may be, per network: its login hosts (the sandbox's in demo mode).
    login_origins: Vec<(Network, evergreen_instagram::url::Origin)>,
}

/// Whether `url` may carry a sign-in: https, or plain http to this computer.
pub fn is_https_or_loopback(url: &evergreen_instagram::Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(evergreen_instagram::url::Host::Domain(d)) => d == "localhost",
            Some(evergreen_instagram::url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(evergreen_instagram::url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

/// Check the sign-in service at `address` before Evergreen uses it: a web address (https
/// assumed when none is typed), https or plain http to this computer, and an Evergreen relay
/// answering `GET /v1/info`. Answers the address as it will be used, and what the relay says.
pub async fn check_sign_in_service(
    address: &str,
) -> Result<(evergreen_instagram::Url, ServiceInfo), crate::Error> {
    let url = sign_in_service_url(address)?;
    let info = RelayClient::new(url.clone()).info().await?;
    Ok((url, info))
}

/// The address of a sign-in service as Evergreen uses it (a base ending in `/`), or why not.
pub fn sign_in_service_url(address: &str) -> Result<evergreen_instagram::Url, Error> {
    let address = address.trim();
    let with_scheme =
        if address.contains("://") { address.to_string() } else { format!("https://{address}") };
    let mut url = evergreen_instagram::Url::parse(&with_scheme).map_err(|_| Error::ServiceAddressInvalid)?;
    if !matches!(url.scheme(), "https" | "http")
        || url.host_str().is_none_or(str::is_empty)
        || !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(Error::ServiceAddressInvalid);
    }
    if !is_https_or_loopback(&url) {
        return Err(Error::RelayNotHttps);
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

impl Connector {
    /// A connector using the relay at `relay`, flows living [`FLOW_TTL`], login pages allowed
    /// on `instagram`'s login hosts only.
    pub fn new(
        clock: Arc<dyn Clock>,
        relay: Option<RelayClient>,
        instagram: &evergreen_instagram::Endpoints,
        threads: &evergreen_instagram::threads::Endpoints,
    ) -> Self {
        let login_origins = vec![
            (Network::Instagram, instagram.www.origin()),
            (Network::Instagram, instagram.api.origin()),
            (Network::Threads, threads.www.origin()),
        ];
        Self { flows: Mutex::default(), clock, relay: Mutex::new(relay), ttl: FLOW_TTL, login_origins }
    }

    /// Start new flows at another relay (or at none); flows already started finish where
    /// they began.
    pub fn set_relay(&self, relay: Option<RelayClient>) {
        *self.relay.lock().unwrap_or_else(PoisonError::into_inner) = relay;
    }

    fn current_relay(&self) -> Result<RelayClient, Error> {
        self.relay.lock().unwrap_or_else(PoisonError::into_inner).clone().ok_or(Error::NoSignInService)
    }

    /// The same with another flow lifetime.
    pub fn with_ttl(mut self, ttl: chrono::Duration) -> Self {
        self.ttl = ttl;
        self
    }

    fn flows(&self) -> MutexGuard<'_, PendingFlows> {
        self.flows.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Start a flow at the relay and keep it pending with its verifier.
    pub async fn start(&self, network: Network, purpose: FlowPurpose) -> Result<StartedFlow, crate::Error> {
        let relay = self.current_relay()?;
        let verifier = PkceVerifier::generate();
        let force = !matches!(purpose, FlowPurpose::Connect);
        let started = relay.start(network, &verifier.challenge(), force).await?;
        let state = FlowState::new(started.state).map_err(|_| Error::RelayRefused)?;
        let url = evergreen_instagram::Url::parse(&started.authorize_url).map_err(|_| Error::RelayRefused)?;
        // The relay chooses the page the browser opens: only the network's own login page (a
        // compromised relay must not send the person anywhere else).
        if !self.login_origins.contains(&(network, url.origin())) || !is_https_or_loopback(&url) {
            tracing::warn!(%network, "the relay's login page is not on the network's login hosts");
            return Err(Error::LoginPageNotInstagram.into());
        }
        let flow = PendingFlow {
            network,
            relay,
            verifier: Arc::new(verifier),
            redeeming: Arc::default(),
            purpose,
            expires_at: self.clock.now() + self.ttl,
            authorize_url: started.authorize_url.clone(),
        };
        self.flows().insert(state.clone(), flow);
        Ok(StartedFlow { state, authorize_url: started.authorize_url })
    }

    /// The login page of a pending flow ("Open the page again").
    pub fn authorize_url(&self, state: &FlowState) -> Option<String> {
        self.flows().authorize_url(state)
    }

    /// Forget a flow the user cancelled.
    pub fn cancel(&self, state: &FlowState) -> bool {
        self.flows().cancel(state)
    }

    /// Check a link from the operating system: well formed, answering a pending, unexpired
    /// flow of ours. Anything else is an error and changes nothing (an expired flow is
    /// forgotten).
    pub fn receive_link(&self, raw: &str) -> Result<AcceptedLink, crate::Error> {
        let link = DeepLink::parse(raw)?;
        let flow = self.flows().check(link.state(), self.clock.now())?.network;
        // A flow's link names its network: one for another is not this flow's.
        if flow != link.network() {
            return Err(Error::LinkNotOurs.into());
        }
        Ok(AcceptedLink { link })
    }

    /// Collect the token an accepted link's handoff holds, or say why the flow failed. The
    /// flow ends only when the relay hands over a token: a failure link is advisory (anyone
    /// can forge one for a public `state`), and a handoff the relay refuses (a forged id, a
    /// wrong verifier, the relay unreachable) leaves the flow waiting for the real link.
    pub async fn collect_accepted(&self, accepted: AcceptedLink) -> Result<Collected, crate::Error> {
        match accepted.link {
            DeepLink::Failure { error, .. } => Err(Error::from_link(&error).into()),
            DeepLink::Handoff { handoff, state, network } => {
                let (redeeming, verifier, relay) = {
                    let mut flows = self.flows();
                    let flow = flows.check(&state, self.clock.now())?;
                    if flow.network != network {
                        return Err(Error::LinkNotOurs.into());
                    }
                    (flow.redeeming.clone(), flow.verifier.clone(), flow.relay.clone())
                };
                let _one_at_a_time = redeeming.lock().await;
                // Another link for this flow may have finished it while this one waited.
                self.flows().check(&state, self.clock.now())?;
                let handoff = relay.redeem(handoff.as_str(), verifier.expose()).await?;
                if handoff.state != state.as_str() || handoff.network != network {
                    tracing::warn!("the relay's handoff answers another sign-in");
                    return Err(Error::RelayRefused.into());
                }
                let flow = self.flows().finish(&state).ok_or(Error::LinkAlreadyUsed)?;
                Ok(Collected { handoff, purpose: flow.purpose, state })
            }
        }
    }

    /// Whether a flow is still waiting for its link.
    pub fn is_pending(&self, state: &FlowState) -> bool {
        self.flows().is_pending(state)
    }
}
