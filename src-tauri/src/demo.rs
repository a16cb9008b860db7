//! Demo mode: a pretend Instagram (the sandbox) and a relay, inside the app on loopback, so a
//! newcomer can connect an account offline with one command. The pretend Instagram keeps its
//! accounts and token digests in a file beside the profile, so tokens survive a restart.

use std::path::Path;

use evergreen_instagram::{ClientSecret, Endpoints, Url};
use evergreen_sandbox::{Sandbox, SandboxClock, World, demo_app, seed};
use tokio::task::JoinHandle;

/// The running demo services; stopped when dropped.
pub struct Demo {
    /// The relay's address.
    pub relay: Url,
    /// The pretend Instagram's endpoints (for refreshes).
    pub instagram: Endpoints,
    _sandbox: Sandbox,
    relay_task: JoinHandle<()>,
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.relay_task.abort();
    }
}

/// Start both on loopback ports. `state` is the pretend Instagram's database file.
pub async fn start(state: &Path) -> std::io::Result<Demo> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let relay =
        Url::parse(&format!("http://{}/", listener.local_addr()?)).expect("a socket address is a host");
    let fresh = !state.exists();
    let world = World::new(SandboxClock::system(), demo_app(vec![format!("{relay}v1/callback")]))
        .persisted_at(state.to_path_buf())?;
    if fresh {
        seed(&world);
    }
    let sandbox = Sandbox::start(world).await?;
    let instagram = Endpoints::single_host(sandbox.url());
    let app = &sandbox.world().app;
    let config = evergreen_relay::Config::local(
        relay.clone(),
        instagram.clone(),
        app.client_id.clone(),
        ClientSecret::new(app.client_secret.clone()),
    );
    let relay_task = tokio::spawn(async move {
        if let Err(error) =
            evergreen_relay::serve(listener, evergreen_relay::AppState::new(config), std::future::pending())
                .await
        {
            tracing::error!(%error, "demo relay stopped");
        }
    });
    tracing::info!(relay = %relay, instagram = %sandbox.url(), "demo mode: pretend Instagram and relay on loopback");
    Ok(Demo { relay, instagram, _sandbox: sandbox, relay_task })
}
