//! The relay's configuration: one documented struct, read once in `main` from flags, the
//! environment and an optional TOML file (in that order of precedence). Nothing else reads
//! environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use evergreen_instagram::{ClientSecret, Endpoints, Scope, Url};
use serde::Deserialize;

/// Everything the relay needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on. Put a TLS-terminating reverse proxy in front (see the README).
    pub listen: SocketAddr,
    /// The public https base the browser reaches us at; `{public_url}/v1/callback` is the
    /// redirect URI registered with Meta (matched exactly).
    pub public_url: Url,
    /// The Instagram app id.
    pub client_id: String,
    /// The Instagram app secret: only ever in memory, in the exchange requests.
    pub client_secret: ClientSecret,
    /// Where Instagram lives (or the sandbox).
    pub instagram: Endpoints,
    /// The app's URL scheme.
    pub app_scheme: String,
    /// Permissions asked for.
    pub scopes: Vec<Scope>,
    /// How long a started sign-in waits for Instagram.
    pub session_ttl: Duration,
    /// How long a finished sign-in waits for the app to collect its token.
    pub handoff_ttl: Duration,
    /// Sessions kept at most; beyond, new ones are refused with 503.
    pub max_sessions: usize,
    /// Handoffs kept at most; beyond, the callback answers "busy".
    pub max_handoffs: usize,
    /// Session creations per client address per minute.
    pub sessions_per_minute: u32,
    /// Handoff redemptions per client address per minute.
    pub redemptions_per_minute: u32,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// Open connections served at once; beyond, new ones wait in the listen backlog.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers (slow clients are cut off).
    pub header_timeout: Duration,
}

impl Config {
    /// The exact redirect URI registered with Meta.
    pub fn redirect_uri(&self) -> String {
        format!("{}/v1/callback", self.public_url.as_str().trim_end_matches('/'))
    }

    /// A configuration for tests and the app's demo mode: everything at `instagram`, public
    /// at `public_url`, default limits.
    pub fn local(
        public_url: Url,
        instagram: Endpoints,
        client_id: String,
        client_secret: ClientSecret,
    ) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url,
            client_id,
            client_secret,
            instagram,
            app_scheme: "app.evergreen".into(),
            scopes: vec![Scope::BusinessBasic],
            session_ttl: Duration::from_secs(600),
            handoff_ttl: Duration::from_secs(120),
            max_sessions: 10_000,
            max_handoffs: 10_000,
            sessions_per_minute: 30,
            redemptions_per_minute: 60,
            trust_forwarded_for: false,
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
        }
    }
}

/// Command-line flags; each also reads an environment variable.
#[derive(Parser, Debug, Default)]
#[command(
    version,
    about = "Evergreen's sign-in relay: owns Instagram's client secret, hands tokens to the app once."
)]
pub struct Args {
    /// A TOML file with any of the settings below (snake_case keys); flags and env win.
    #[arg(long, env = "RELAY_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8788].
    #[arg(long, env = "RELAY_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Public https base URL, e.g. https://relay.example.com.
    #[arg(long, env = "RELAY_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Instagram app id.
    #[arg(long, env = "INSTAGRAM_CLIENT_ID")]
    pub client_id: Option<String>,
    /// Instagram app secret (prefer the environment or the file to a flag).
    #[arg(long, env = "INSTAGRAM_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
    /// Login host [default: https://www.instagram.com].
    #[arg(long, env = "INSTAGRAM_WWW_URL")]
    pub instagram_www_url: Option<String>,
    /// OAuth host [default: https://api.instagram.com].
    #[arg(long, env = "INSTAGRAM_API_URL")]
    pub instagram_api_url: Option<String>,
    /// Graph host [default: https://graph.instagram.com].
    #[arg(long, env = "INSTAGRAM_GRAPH_URL")]
    pub instagram_graph_url: Option<String>,
    /// Graph API version [default: v23.0].
    #[arg(long, env = "INSTAGRAM_API_VERSION")]
    pub instagram_api_version: Option<String>,
    /// The app's URL scheme [default: app.evergreen].
    #[arg(long, env = "RELAY_APP_SCHEME")]
    pub app_scheme: Option<String>,
    /// Comma-separated permissions [default: instagram_business_basic].
    #[arg(long, env = "RELAY_SCOPES")]
    pub scopes: Option<String>,
    /// Most sign-ins waiting at once [default: 10000].
    #[arg(long, env = "RELAY_MAX_SESSIONS")]
    pub max_sessions: Option<usize>,
    /// Most handoffs waiting at once [default: 10000].
    #[arg(long, env = "RELAY_MAX_HANDOFFS")]
    pub max_handoffs: Option<usize>,
    /// Sign-ins a client may start per minute [default: 30].
    #[arg(long, env = "RELAY_SESSIONS_PER_MINUTE")]
    pub sessions_per_minute: Option<u32>,
    /// Handoffs a client may redeem per minute [default: 60].
    #[arg(long, env = "RELAY_REDEMPTIONS_PER_MINUTE")]
    pub redemptions_per_minute: Option<u32>,
    /// Trust X-Forwarded-For for the client address [default: false].
    #[arg(long, env = "RELAY_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: Option<bool>,
    /// Connections served at once [default: 1024].
    #[arg(long, env = "RELAY_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
}

/// The same settings from a file.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    public_url: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    instagram_www_url: Option<String>,
    instagram_api_url: Option<String>,
    instagram_graph_url: Option<String>,
    instagram_api_version: Option<String>,
    app_scheme: Option<String>,
    scopes: Option<String>,
    max_sessions: Option<usize>,
    max_handoffs: Option<usize>,
    sessions_per_minute: Option<u32>,
    redemptions_per_minute: Option<u32>,
    trust_forwarded_for: Option<bool>,
    max_connections: Option<usize>,
}

/// A configuration that cannot run.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required setting is absent.
    #[error("{0} is required (flag, environment variable or config file)")]
    Missing(&'static str),
    /// A setting has a value that cannot work.
    #[error("{0}")]
    Invalid(String),
    /// The file could not be read or parsed.
    #[error("config file {path}: {reason}")]
    File {
        /// Which file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl Args {
    /// Merge flags/env over the file over the defaults, and validate.
    pub fn resolve(self) -> Result<Config, ConfigError> {
        let file = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| ConfigError::File { path: path.clone(), reason: e.to_string() })?;
                toml::from_str::<FileConfig>(&text)
                    .map_err(|e| ConfigError::File { path: path.clone(), reason: e.to_string() })?
            }
            None => FileConfig::default(),
        };
        let url = |name: &'static str, value: Option<String>, default: &str| -> Result<Url, ConfigError> {
            let value = value.unwrap_or_else(|| default.to_string());
            Url::parse(&value).map_err(|e| ConfigError::Invalid(format!("{name}: {e}")))
        };
        let public_url = url("public_url", self.public_url.or(file.public_url), "")
            .map_err(|_| ConfigError::Missing("public_url (RELAY_PUBLIC_URL)"))?;
        let local = matches!(public_url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if public_url.scheme() != "https" && !local {
            return Err(ConfigError::Invalid(
                "public_url must be https: Instagram only redirects to https (plain http is allowed on loopback for testing)".into(),
            ));
        }
        let client_id = self
            .client_id
            .or(file.client_id)
            .ok_or(ConfigError::Missing("client_id (INSTAGRAM_CLIENT_ID)"))?;
        let client_secret = self
            .client_secret
            .or(file.client_secret)
            .ok_or(ConfigError::Missing("client_secret (INSTAGRAM_CLIENT_SECRET)"))?;
        let scopes = self
            .scopes
            .or(file.scopes)
            .unwrap_or_else(|| "instagram_business_basic".into())
            .split(',')
            .map(|s| Scope::parse(s.trim()).ok_or_else(|| ConfigError::Invalid(format!("unknown scope {s}"))))
            .collect::<Result<Vec<_>, _>>()?;
        if !scopes.contains(&Scope::BusinessBasic) {
            return Err(ConfigError::Invalid("scopes must include instagram_business_basic".into()));
        }
        let instagram = Endpoints {
            www: url(
                "instagram_www_url",
                self.instagram_www_url.or(file.instagram_www_url),
                "https://www.instagram.com",
            )?,
            api: url(
                "instagram_api_url",
                self.instagram_api_url.or(file.instagram_api_url),
                "https://api.instagram.com",
            )?,
            graph: url(
                "instagram_graph_url",
                self.instagram_graph_url.or(file.instagram_graph_url),
                "https://graph.instagram.com",
            )?,
            version: self
                .instagram_api_version
                .or(file.instagram_api_version)
                .unwrap_or_else(|| "v23.0".into()),
        };
        let app_scheme = self.app_scheme.or(file.app_scheme).unwrap_or_else(|| "app.evergreen".into());
        if app_scheme.is_empty()
            || !app_scheme.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.')
        {
            return Err(ConfigError::Invalid("app_scheme: lowercase letters, digits and dots".into()));
        }
        let at_least_one = |name: &str, v: usize| {
            if v == 0 { Err(ConfigError::Invalid(format!("{name} must be at least 1"))) } else { Ok(v) }
        };
        Ok(Config {
            listen: self.listen.or(file.listen).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8788))),
            public_url,
            client_id,
            client_secret: ClientSecret::new(client_secret),
            instagram,
            app_scheme,
            scopes,
            session_ttl: Duration::from_secs(600),
            handoff_ttl: Duration::from_secs(120),
            max_sessions: at_least_one(
                "max_sessions",
                self.max_sessions.or(file.max_sessions).unwrap_or(10_000),
            )?,
            max_handoffs: at_least_one(
                "max_handoffs",
                self.max_handoffs.or(file.max_handoffs).unwrap_or(10_000),
            )?,
            sessions_per_minute: at_least_one(
                "sessions_per_minute",
                self.sessions_per_minute.or(file.sessions_per_minute).unwrap_or(30) as usize,
            )? as u32,
            redemptions_per_minute: at_least_one(
                "redemptions_per_minute",
                self.redemptions_per_minute.or(file.redemptions_per_minute).unwrap_or(60) as usize,
            )? as u32,
            trust_forwarded_for: self.trust_forwarded_for.or(file.trust_forwarded_for).unwrap_or(false),
            max_connections: at_least_one(
                "max_connections",
                self.max_connections.or(file.max_connections).unwrap_or(1024),
            )?,
            header_timeout: Duration::from_secs(10),
        })
    }
}
