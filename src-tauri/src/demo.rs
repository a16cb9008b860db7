//! Demo mode: a pretend Instagram and Threads (the sandbox) and a relay, inside the app on
//! loopback, so a newcomer can connect accounts offline with one command. The pretend networks
//! keep their accounts and token digests in a file beside the profile, so tokens survive a
//! restart.

use std::path::Path;

use evergreen_instagram::{ClientSecret, Endpoints, Url, threads};
use evergreen_sandbox::{Sandbox, SandboxClock, World, demo_app, demo_threads_app, seed};
use tokio::task::JoinHandle;

/// The running demo services; stopped when dropped.
pub struct Demo {
    /// The relay's address.
    pub relay: Url,
    /// The pretend Instagram's endpoints (for refreshes).
    pub instagram: Endpoints,
    /// The pretend Threads' endpoints.
    pub threads: threads::Endpoints,
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
        .with_threads(demo_threads_app(vec![format!("{relay}v1/callback/threads")]))
        .persisted_at(state.to_path_buf())?;
    if fresh {
        seed(&world);
    } else if !world.accounts().iter().any(|a| a.network == evergreen_sandbox::Network::Threads) {
        // A demo from before Threads: its profiles join the pretend Instagram's accounts.
        world.create_threads_account("harbour.cafe", "Harbour Cafe");
        world.create_threads_account("north.bakery", "North Bakery");
    }
    let sandbox = Sandbox::start(world).await?;
    let instagram = Endpoints::single_host(sandbox.url());
    let threads = threads::Endpoints::single_host(sandbox.threads_url());
    let app = &sandbox.world().app;
    let threads_app = sandbox.world().threads_app.clone().expect("registered above");
    let config = evergreen_relay::Config::local(
        relay.clone(),
        instagram.clone(),
        app.client_id.clone(),
        ClientSecret::new(app.client_secret.clone()),
    )
    .with_threads(threads_app.client_id, ClientSecret::new(threads_app.client_secret), threads.clone());
    let relay_task = tokio::spawn(async move {
        if let Err(error) =
            evergreen_relay::serve(listener, evergreen_relay::AppState::new(config), std::future::pending())
                .await
        {
            tracing::error!(%error, "demo relay stopped");
        }
    });
    tracing::info!(relay = %relay, instagram = %sandbox.url(), threads = %sandbox.threads_url(), "demo mode: pretend Instagram and relay on loopback");
    Ok(Demo { relay, instagram, threads, _sandbox: sandbox, relay_task })
}
