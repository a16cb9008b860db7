//! A sign-in service for the real app to use, as a publisher or an agency runs one: a real
//! relay in front of the sandbox playing Instagram, both on loopback in the test's process.

use evergreen_instagram::{ClientSecret, Endpoints, Url};
use evergreen_sandbox::{Sandbox, SandboxClock, World, demo_app, seed};

/// The relay and its Instagram; stopped when dropped.
pub struct SignInService {
    url: Url,
    sandbox: Sandbox,
    relay: tokio::task::JoinHandle<()>,
}

impl SignInService {
    /// A relay called `name`, its callback registered with a seeded sandbox.
    pub async fn start(name: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let url =
            Url::parse(&format!("http://{}/", listener.local_addr().expect("bound"))).expect("an address");
        let world = World::new(SandboxClock::system(), demo_app(vec![format!("{url}v1/callback")]));
        seed(&world);
        let sandbox = Sandbox::start(world).await.expect("the sandbox starts");
        let app = &sandbox.world().app;
        let mut config = evergreen_relay::Config::local(
            url.clone(),
            Endpoints::single_host(sandbox.url()),
            app.client_id.clone(),
            ClientSecret::new(app.client_secret.clone()),
        );
        config.name = name.into();
        let relay = tokio::spawn(async move {
            let _ = evergreen_relay::serve(
                listener,
                evergreen_relay::AppState::new(config),
                std::future::pending(),
            )
            .await;
        });
        Self { url, sandbox, relay }
    }

    /// The address to configure.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Its Instagram.
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }
}

impl Drop for SignInService {
    fn drop(&mut self) {
        self.relay.abort();
    }
}
