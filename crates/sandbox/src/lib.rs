//! A faithful local imitation of Instagram's and Threads' Login and Graph endpoints, for tests,
//! demos and benchmarks. Written from Meta's documented contract (`reference/instagram-platform.md`
//! and Meta's Threads pages, quoted in `crates/instagram/tests/fixtures/meta/threads/`), never
//! from Evergreen's client: it shares no code with it, so each checks the other.
//!
//! * Instagram's paths, on one address: `GET/POST /oauth/authorize` (an HTML consent page),
//!   `POST /oauth/access_token`, `GET /access_token`, `GET /refresh_access_token`,
//!   `GET /{version}/me`, `GET /{version}/me/media`; anything else answers code 100.
//! * Threads' paths, on an address of their own ([`Sandbox::threads_url`]), as Meta serves
//!   them from `threads.com` and `graph.threads.net`: the same login and exchanges with its own
//!   app ([`World::with_threads`]), grant types (`th_exchange_token`, `th_refresh_token`),
//!   profiles ([`World::create_threads_account`]) and `/me` fields; its calls are logged as
//!   `threads_…` (`threads_refresh`, `threads_me`, …), and faults are aimed by those names.
//! * Its rules: single-use codes, 1-hour short-lived and 60-day long-lived tokens, refresh only
//!   of long-lived tokens at least 24 h old and unexpired, `#_` on the success redirect,
//!   `fbtrace_id` on every error, both code-exchange answer shapes.
//! * Controls under `/_sandbox/` (see [`control`]): a virtual clock, test accounts, revoking
//!   with a subcode, checkpoints, fault injection, latency, the call log (never a token) and
//!   in-flight statistics. In-process users reach the same through [`Sandbox::world`].
//!
//! Assumptions where Meta documents nothing (code defensively against them): refreshing a
//! token under 24 h old answers code 100; the refreshed token is a new string and the old one
//! stays valid until its own expiry (or, with `Shapes::refresh_ends_old_token`, dies at once:
//! the product must be safe either way); a personal account can complete the login and `/me`
//! reports `account_type: PERSONAL` (so the relay's own check is exercised).
#![deny(missing_docs)]

mod clock;
pub mod control;
mod errors;
pub mod faults;
mod graph;
mod images;
mod oauth;
mod pages;
pub mod person;
pub mod world;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use tokio::task::JoinHandle;
use url::Url;

pub use clock::{SandboxClock, TimeSource};
pub use faults::{Fault, FaultKind};
pub use world::{AccountType, App, Call, ExchangeShape, Network, Shapes, Stats, World};

/// Instagram's address as an axum router over `world` (with the controls and images).
pub fn router(world: Arc<World>) -> Router {
    site(world, Network::Instagram)
}

/// Threads' address as an axum router over `world` (with the controls and images).
pub fn threads_router(world: Arc<World>) -> Router {
    site(world, Network::Threads)
}

fn site(world: Arc<World>, network: Network) -> Router {
    let unsupported = graph::unsupported_request;
    let mut api = Router::new()
        .route("/oauth/authorize", get(oauth::page).post(oauth::decide))
        .route("/oauth/access_token", post(oauth::exchange).fallback(unsupported))
        .route("/access_token", get(graph::exchange).fallback(unsupported))
        .route("/refresh_access_token", get(graph::refresh).fallback(unsupported))
        .route("/{version}/me", get(graph::me).fallback(unsupported));
    if network == Network::Instagram {
        api = api.route("/{version}/me/media", get(graph::media).fallback(unsupported));
    }
    let api = api
        .fallback(unsupported)
        .layer(middleware::from_fn_with_state(world.clone(), network_call))
        .layer(axum::Extension(network));
    Router::new()
        .merge(api)
        .nest("/_sandbox", control::router())
        .route("/cdn/avatar/{file}", get(images::avatar))
        .route("/cdn/media/{file}", get(images::media))
        .with_state(world)
}

/// Which endpoint a path is on `network`, as the call log and fault filters name it.
fn endpoint_of(network: Network, path: &str) -> &'static str {
    let instagram = match path {
        "/oauth/authorize" => "authorize",
        "/oauth/access_token" => "code_exchange",
        "/access_token" => "long_lived_exchange",
        "/refresh_access_token" => "refresh",
        p if p.ends_with("/me") && p.matches('/').count() == 2 => "me",
        p if p.ends_with("/me/media") && p.matches('/').count() == 3 => "media",
        _ => "unknown",
    };
    match (network, instagram) {
        (Network::Instagram, endpoint) => endpoint,
        (Network::Threads, "authorize") => "threads_authorize",
        (Network::Threads, "code_exchange") => "threads_code_exchange",
        (Network::Threads, "long_lived_exchange") => "threads_long_lived_exchange",
        (Network::Threads, "refresh") => "threads_refresh",
        (Network::Threads, "me") => "threads_me",
        (Network::Threads, _) => "unknown",
    }
}

struct InFlight(Arc<World>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.leave();
    }
}

/// Around every call to a network: in-flight accounting, latency, faults, the call log.
async fn network_call(State(world): State<Arc<World>>, request: Request, next: Next) -> Response {
    let network = request.extensions().get::<Network>().copied().unwrap_or_default();
    let endpoint = endpoint_of(network, request.uri().path());
    let method = request.method().to_string();
    let token = request.uri().query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.into_owned())
    });
    let issued = token.as_deref().and_then(|t| world.token(t));
    let at = world.now();
    world.enter();
    let _in_flight = InFlight(world.clone());

    let api = !matches!(endpoint, "authorize" | "threads_authorize" | "unknown");
    let latency = world.latency_ms();
    if api && latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    let mut fault_name = None;
    let mut response = None;
    if api && let Some(fault) = world.take_fault(endpoint) {
        fault_name = Some(fault.name());
        response = faults::answer(&fault.kind, issued.as_ref().map(|t| t.user_id.as_str())).await;
    }
    let response = match response {
        Some(r) => r,
        None => next.run(request).await,
    };
    world.log_call(Call {
        seq: 0,
        at,
        endpoint,
        method,
        status: response.status().as_u16(),
        user_id: issued.as_ref().map(|t| t.user_id.clone()),
        token_fingerprint: token.as_deref().map(world::fingerprint),
        token_age_secs: issued.as_ref().map(|t| (at - t.issued_at).num_seconds()),
        fault: fault_name,
    });
    response
}

/// The app the demo and the tests register: its redirect goes to `redirect_uri`.
pub fn demo_app(redirect_uris: Vec<String>) -> App {
    App {
        client_id: "990602627938098".into(),
        client_secret: "sandbox-client-secret-5d7e0c1a".into(),
        redirect_uris,
        name: "Evergreen".into(),
    }
}

/// The Threads app the demo and the tests register (Meta gives an app a Threads id and secret
/// of their own): its redirect goes to `redirect_uris`.
pub fn demo_threads_app(redirect_uris: Vec<String>) -> App {
    App {
        client_id: "1284671902837412".into(),
        client_secret: "sandbox-threads-secret-9a41f2c7".into(),
        redirect_uris,
        name: "Evergreen".into(),
    }
}

/// Three Instagram test accounts (a business, a creator and a personal one) and two Threads
/// profiles.
pub fn seed(world: &World) {
    world.create_account("evergreen.shop", "Evergreen Shop", AccountType::Business, 12_480);
    world.create_account("studio.ama", "Studio Ama", AccountType::MediaCreator, 3_210);
    world.create_account("pat.personal", "Pat", AccountType::Personal, 240);
    world.create_threads_account("harbour.cafe", "Harbour Cafe");
    world.create_threads_account("north.bakery", "North Bakery");
}

/// A sandbox running on two loopback ports inside this process (Instagram's and Threads');
/// stops when dropped.
pub struct Sandbox {
    world: Arc<World>,
    url: Url,
    threads_url: Url,
    tasks: [JoinHandle<()>; 2],
}

impl Sandbox {
    /// Start on `127.0.0.1` with a free port.
    pub async fn start(world: World) -> std::io::Result<Self> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), world).await
    }

    /// Start Instagram on `addr`, and Threads on another port of the same host.
    pub async fn start_on(addr: SocketAddr, world: World) -> std::io::Result<Self> {
        let world = Arc::new(world);
        let (url, instagram) = serve(addr, router(world.clone())).await?;
        let (threads_url, threads) =
            serve(SocketAddr::new(addr.ip(), 0), threads_router(world.clone())).await?;
        Ok(Self { world, url, threads_url, tasks: [instagram, threads] })
    }

    /// Where Instagram listens (`http://127.0.0.1:PORT/`).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Where Threads listens (`http://127.0.0.1:PORT/`).
    pub fn threads_url(&self) -> &Url {
        &self.threads_url
    }

    /// Its state, for in-process control.
    pub fn world(&self) -> &Arc<World> {
        &self.world
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Serve `app` on `addr`; where it listens, and its task.
async fn serve(addr: SocketAddr, app: Router) -> std::io::Result<(Url, JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "sandbox stopped");
        }
    });
    Ok((Url::parse(&format!("http://{addr}/")).expect("a socket address is a valid host"), task))
}
