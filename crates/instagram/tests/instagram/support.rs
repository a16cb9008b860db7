//! A seeded sandbox on a loopback port and a client pointed at it.

use std::time::Duration;

use evergreen_instagram::{AccessToken, AppCredentials, Client, ClientSecret, Endpoints};
use evergreen_sandbox::world::TokenKind;
use evergreen_sandbox::{Sandbox, SandboxClock, World, demo_app, seed};

pub const REDIRECT: &str = "https://relay.example.test/v1/callback";

pub struct Fixture {
    pub sandbox: Sandbox,
    pub client: Client,
    pub app: AppCredentials,
}

impl Fixture {
    /// A sandbox with its three seeded accounts, and a client with a short timeout.
    pub async fn new() -> Self {
        let world = World::new(SandboxClock::system(), demo_app(vec![REDIRECT.into()]));
        seed(&world);
        let sandbox = Sandbox::start(world).await.expect("sandbox");
        let client = Client::with_timeout(Endpoints::single_host(sandbox.url()), Duration::from_millis(800));
        let app = AppCredentials {
            client_id: sandbox.world().app.client_id.clone(),
            client_secret: ClientSecret::new(sandbox.world().app.client_secret.clone()),
            redirect_uri: REDIRECT.into(),
        };
        Self { sandbox, client, app }
    }

    pub fn user_id(&self, username: &str) -> String {
        self.sandbox.world().accounts().into_iter().find(|a| a.username == username).expect("seeded").user_id
    }

    /// A long-lived token for `username`, issued now by the sandbox (no HTTP).
    pub fn long_lived(&self, username: &str) -> AccessToken {
        let (value, _) = self.sandbox.world().issue_token(
            &self.user_id(username),
            TokenKind::LongLived,
            vec!["instagram_business_basic".into()],
        );
        AccessToken::new(value)
    }

    /// Move the sandbox's clock.
    pub fn advance(&self, by: chrono::Duration) {
        self.sandbox.world().clock.advance(by);
    }
}
