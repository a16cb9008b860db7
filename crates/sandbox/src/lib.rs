//! A faithful local imitation of Instagram's Login and Graph endpoints, for tests, demos and
//! benchmarks. Written from Meta's documented contract (`reference/instagram-platform.md`),
//! never from Evergreen's client: it shares no code with it, so each checks the other.
//!
//! * Instagram's paths, on one address: `GET/POST /oauth/authorize` (an HTML consent page),
//!   `POST /oauth/access_token`, `GET /access_token`, `GET /refresh_access_token`,
//!   `GET /{version}/me`, `GET /{version}/me/media`; anything else answers code 100.
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
pub use world::{AccountType, App, Call, ExchangeShape, Shapes, Stats, World};

/// The whole sandbox as an axum router over `world`.
pub fn router(world: Arc<World>) -> Router {
    let unsupported = graph::unsupported_request;
    let instagram = Router::new()
        .route("/oauth/authorize", get(oauth::page).post(oauth::decide))
        .route("/oauth/access_token", post(oauth::exchange).fallback(unsupported))
        .route("/access_token", get(graph::exchange).fallback(unsupported))
        .route("/refresh_access_token", get(graph::refresh).fallback(unsupported))
        .route("/{version}/me", get(graph::me).fallback(unsupported))
        .route("/{version}/me/media", get(graph::media).fallback(unsupported))
        .fallback(unsupported)
        .layer(middleware::from_fn_with_state(world.clone(), instagram_call));
    Router::new()
        .merge(instagram)
        .nest("/_sandbox", control::router())
        .route("/cdn/avatar/{file}", get(images::avatar))
        .route("/cdn/media/{file}", get(images::media))
        .with_state(world)
}

/// Which Instagram endpoint a path is, as the call log and fault filters name it.
fn endpoint_of(path: &str) -> &'static str {
    match path {
        "/oauth/authorize" => "authorize",
        "/oauth/access_token" => "code_exchange",
        "/access_token" => "long_lived_exchange",
        "/refresh_access_token" => "refresh",
        p if p.ends_with("/me") && p.matches('/').count() == 2 => "me",
        p if p.ends_with("/me/media") && p.matches('/').count() == 3 => "media",
        _ => "unknown",
    }
}

struct InFlight(Arc<World>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.leave();
    }
}

/// Around every Instagram call: in-flight accounting, latency, faults, the call log.
async fn instagram_call(State(world): State<Arc<World>>, request: Request, next: Next) -> Response {
    let endpoint = endpoint_of(request.uri().path());
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

    let api = endpoint != "authorize" && endpoint != "unknown";
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

/// Three test accounts: a business, a creator and a personal one.
pub fn seed(world: &World) {
    world.create_account("evergreen.shop", "Evergreen Shop", AccountType::Business, 12_480);
    world.create_account("studio.ama", "Studio Ama", AccountType::MediaCreator, 3_210);
    world.create_account("pat.personal", "Pat", AccountType::Personal, 240);
}

/// A sandbox running on a loopback port inside this process; stops when dropped.
pub struct Sandbox {
    world: Arc<World>,
    url: Url,
    task: JoinHandle<()>,
}

impl Sandbox {
    /// Start on `127.0.0.1` with a free port.
    pub async fn start(world: World) -> std::io::Result<Self> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), world).await
    }

    /// Start on `addr`.
    pub async fn start_on(addr: SocketAddr, world: World) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let world = Arc::new(world);
        let app = router(world.clone());
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "sandbox stopped");
            }
        });
        let url = Url::parse(&format!("http://{addr}/")).expect("a socket address is a valid host");
        Ok(Self { world, url, task })
    }

    /// Where it listens (`http://127.0.0.1:PORT/`).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Its state, for in-process control.
    pub fn world(&self) -> &Arc<World> {
        &self.world
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}
