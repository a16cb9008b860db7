//! The relay's configuration. Every setting is declared once, in [`Settings`]: a flag, the
//! environment variable it also reads, and the key of the same name in the TOML file given
//! with `--config`. Precedence: flags, then the environment, then the file, then the default
//! (in [`defaults`], also written once: `--help` lists them from there). [`Settings::resolve`]
//! checks everything and gives the typed [`Config`] the relay runs on. Nothing else reads
//! environment variables.
//!
//! Secrets (the client secret, the metrics token) come from the environment only: never a
//! flag (a command line is readable by every user in `ps` and `/proc`) and never the file (a
//! TOML file is easily made readable by mistake; the package keeps them in a 0600 environment
//! file). A file that does not parse is reported by line and column, a value of the wrong kind
//! by its key and what was expected, never by quoting it (a file may hold a secret by mistake).
//! A setting of the right kind whose content is wrong (an unknown permission, a network that
//! does not parse) names the offending item: it is never a secret, and the operator needs it.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Parser, Subcommand};
use evergreen_instagram::{ClientSecret, Endpoints, Network, Scope, Url, threads};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// The environment variable that holds Instagram's app secret.
pub const CLIENT_SECRET_ENV: &str = "INSTAGRAM_CLIENT_SECRET";
/// The environment variable that holds the Threads app's secret (Meta gives an app a Threads
/// id and secret of their own).
pub const THREADS_CLIENT_SECRET_ENV: &str = "THREADS_CLIENT_SECRET";
/// The environment variable that holds the metrics bearer token.
pub const METRICS_TOKEN_ENV: &str = "RELAY_METRICS_TOKEN";
/// The environment variable that holds the key sealing tokens in Redis (every replica the same).
pub const HANDOFF_KEY_ENV: &str = "RELAY_HANDOFF_KEY";
/// The environment variable that holds Redis' password, if it has one.
pub const REDIS_PASSWORD_ENV: &str = "RELAY_REDIS_PASSWORD";

/// Every default, once.
pub mod defaults {
    /// What the app shows a person choosing this sign-in service (`GET /v1/info`).
    pub const NAME: &str = "Evergreen sign-in service";
    /// Loopback: a TLS-terminating proxy forwards to it.
    pub const LISTEN: &str = "127.0.0.1:8788";
    /// Instagram's login host.
    pub const INSTAGRAM_WWW_URL: &str = "https://www.instagram.com";
    /// Instagram's OAuth host.
    pub const INSTAGRAM_API_URL: &str = "https://api.instagram.com";
    /// Instagram's Graph host.
    pub const INSTAGRAM_GRAPH_URL: &str = "https://graph.instagram.com";
    /// The Graph API version.
    pub const INSTAGRAM_API_VERSION: &str = "v23.0";
    /// Threads' Authorization Window host.
    pub const THREADS_WWW_URL: &str = "https://threads.com";
    /// Threads' Graph host.
    pub const THREADS_GRAPH_URL: &str = "https://graph.threads.net";
    /// The Threads API version.
    pub const THREADS_API_VERSION: &str = "v1.0";
    /// The app's URL scheme.
    pub const APP_SCHEME: &str = "app.evergreen";
    /// The permissions asked for.
    pub const SCOPES: &str = "instagram_business_basic";
    /// How long a started sign-in waits for Instagram, in seconds.
    pub const SESSION_TTL_SECS: u64 = 600;
    /// How long a finished sign-in waits for the app, in seconds.
    pub const HANDOFF_TTL_SECS: u64 = 120;
    /// Sign-ins waiting at once.
    pub const MAX_SESSIONS: usize = 10_000;
    /// Handoffs waiting at once.
    pub const MAX_HANDOFFS: usize = 10_000;
    /// Sign-ins one client (an address, or an IPv6 /64) may have waiting at once.
    pub const MAX_SESSIONS_PER_CLIENT: usize = 20;
    /// Sign-ins a client may start per minute.
    pub const SESSIONS_PER_MINUTE: u32 = 30;
    /// Handoffs a client may redeem per minute.
    pub const REDEMPTIONS_PER_MINUTE: u32 = 60;
    /// Proxies in front that add to `X-Forwarded-For` (0: the peer address is the client).
    pub const TRUSTED_PROXIES: usize = 0;
    /// Where those proxies connect from: `X-Forwarded-For` is read only from these peers.
    pub const PROXY_NETWORKS: &str = "127.0.0.0/8,::1/128";
    /// Connections served at once.
    pub const MAX_CONNECTIONS: usize = 1024;
    /// Seconds a client may take to send a request's headers.
    pub const HEADER_TIMEOUT_SECS: u64 = 10;
    /// Longest a call to Redis may take, in milliseconds, before the request is answered 503.
    pub const REDIS_TIMEOUT_MS: u64 = 1000;
    /// Where this relay's keys live in Redis.
    pub const REDIS_KEY_PREFIX: &str = "evergreen-relay:";
}

/// Every setting, as a flag, its environment variable and the file's key of the same name.
/// `None`: not given here (the file or the default decides). No `Debug`: it holds the secrets.
#[derive(clap::Args, Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on.
    #[arg(long, env = "RELAY_LISTEN")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    /// Public https base URL, e.g. https://relay.example.com (required).
    #[arg(long, env = "RELAY_PUBLIC_URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// The name the app shows for this service, e.g. your agency's (1 to 60 characters).
    #[arg(long, env = "RELAY_NAME")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Instagram app id (required).
    #[arg(long, env = "INSTAGRAM_CLIENT_ID")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Instagram app secret: only from [`CLIENT_SECRET_ENV`], never a flag or the file.
    #[arg(skip)]
    #[serde(skip)]
    pub client_secret: Option<String>,
    /// Instagram's login host.
    #[arg(long, env = "INSTAGRAM_WWW_URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instagram_www_url: Option<String>,
    /// Instagram's OAuth host.
    #[arg(long, env = "INSTAGRAM_API_URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instagram_api_url: Option<String>,
    /// Instagram's Graph host.
    #[arg(long, env = "INSTAGRAM_GRAPH_URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instagram_graph_url: Option<String>,
    /// Graph API version.
    #[arg(long, env = "INSTAGRAM_API_VERSION")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instagram_api_version: Option<String>,
    /// Threads app id (none: this service connects Instagram accounts only).
    #[arg(long, env = "THREADS_CLIENT_ID")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threads_client_id: Option<String>,
    /// Threads app secret: only from [`THREADS_CLIENT_SECRET_ENV`], never a flag or the file.
    #[arg(skip)]
    #[serde(skip)]
    pub threads_client_secret: Option<String>,
    /// Threads' Authorization Window host.
    #[arg(long, env = "THREADS_WWW_URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threads_www_url: Option<String>,
    /// Threads' Graph host.
    #[arg(long, env = "THREADS_GRAPH_URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threads_graph_url: Option<String>,
    /// Threads API version.
    #[arg(long, env = "THREADS_API_VERSION")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threads_api_version: Option<String>,
    /// The app's URL scheme.
    #[arg(long, env = "RELAY_APP_SCHEME")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_scheme: Option<String>,
    /// Comma-separated permissions (must include instagram_business_basic).
    #[arg(long, env = "RELAY_SCOPES")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<String>,
    /// How long a started sign-in waits for Instagram (60 to 3600 seconds).
    #[arg(long, env = "RELAY_SESSION_TTL_SECS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_ttl_secs: Option<u64>,
    /// How long a finished sign-in waits for the app (10 to 600 seconds).
    #[arg(long, env = "RELAY_HANDOFF_TTL_SECS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handoff_ttl_secs: Option<u64>,
    /// Most sign-ins waiting at once; beyond, new ones are refused with 503.
    #[arg(long, env = "RELAY_MAX_SESSIONS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_sessions: Option<usize>,
    /// Most handoffs waiting at once; beyond, the callback answers "busy".
    #[arg(long, env = "RELAY_MAX_HANDOFFS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_handoffs: Option<usize>,
    /// Most sign-ins one client may have waiting at once; beyond, 429.
    #[arg(long, env = "RELAY_MAX_SESSIONS_PER_CLIENT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_sessions_per_client: Option<usize>,
    /// Sign-ins a client may start per minute.
    #[arg(long, env = "RELAY_SESSIONS_PER_MINUTE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sessions_per_minute: Option<u32>,
    /// Handoffs a client may redeem per minute.
    #[arg(long, env = "RELAY_REDEMPTIONS_PER_MINUTE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redemptions_per_minute: Option<u32>,
    /// Proxies in front of the relay that append to X-Forwarded-For: the client is the address
    /// the outermost of them saw (0: the peer address).
    #[arg(long, env = "RELAY_TRUSTED_PROXIES")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_proxies: Option<usize>,
    /// Comma-separated networks (CIDR) the trusted proxies connect from; X-Forwarded-For from
    /// any other peer is ignored.
    #[arg(long, env = "RELAY_PROXY_NETWORKS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_networks: Option<String>,
    /// Connections served at once; beyond, new ones wait in the listen backlog.
    #[arg(long, env = "RELAY_MAX_CONNECTIONS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<usize>,
    /// Seconds a client may take to send a request's headers.
    #[arg(long, env = "RELAY_HEADER_TIMEOUT_SECS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_timeout_secs: Option<u64>,
    /// A bearer token that opens `GET /metrics` (sessions and handoffs held); unset, the
    /// endpoint does not exist. Only from [`METRICS_TOKEN_ENV`], never a flag or the file.
    #[arg(skip)]
    #[serde(skip)]
    pub metrics_token: Option<String>,
    /// Keep sessions, handoffs and rate limits in this Redis, shared by every replica
    /// (redis://host:6379/0 or redis+unix:///run/redis/redis.sock); unset,
    /// in memory (one replica). No password in it: that goes in RELAY_REDIS_PASSWORD.
    #[arg(long, env = "RELAY_REDIS_URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis_url: Option<String>,
    /// Longest a call to Redis may take (50 to 10000 ms); beyond, the request is answered 503.
    #[arg(long, env = "RELAY_REDIS_TIMEOUT_MS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis_timeout_ms: Option<u64>,
    /// Where this relay's keys live in Redis (several services can share one).
    #[arg(long, env = "RELAY_REDIS_KEY_PREFIX")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis_key_prefix: Option<String>,
    /// Redis' password: only from [`REDIS_PASSWORD_ENV`].
    #[arg(skip)]
    #[serde(skip)]
    pub redis_password: Option<String>,
    /// The key that seals tokens waiting in Redis: only from [`HANDOFF_KEY_ENV`].
    #[arg(skip)]
    #[serde(skip)]
    pub handoff_key: Option<String>,
}

/// The command line.
#[derive(Parser, Default)]
#[command(
    version,
    about = "Evergreen's sign-in relay: owns Instagram's client secret, hands tokens to the app once."
)]
pub struct Args {
    /// A TOML file with any of the settings (the same names, snake_case); flags and the
    /// environment win.
    #[arg(long, env = "RELAY_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// The settings.
    #[command(flatten)]
    pub settings: Settings,
    /// What to do (serve, when absent).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Subcommand, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Check the configuration and print the redirect URI to register with Meta.
    Check,
}

/// The defaults and where the secrets come from, for `--help`.
pub fn defaults_help() -> String {
    use defaults::*;
    format!(
        "Secrets come from the environment only: {CLIENT_SECRET_ENV} (required), \
         {THREADS_CLIENT_SECRET_ENV} (with threads_client_id) and {METRICS_TOKEN_ENV} (opens GET /metrics); with redis_url, {HANDOFF_KEY_ENV} (required, \
         the same on every replica) and {REDIS_PASSWORD_ENV}.\n\n\
         Defaults: listen {LISTEN}, instagram_www_url {INSTAGRAM_WWW_URL}, instagram_api_url \
         {INSTAGRAM_API_URL}, instagram_graph_url {INSTAGRAM_GRAPH_URL}, instagram_api_version \
         {INSTAGRAM_API_VERSION}, threads_client_id none (Instagram only), threads_www_url \
         {THREADS_WWW_URL}, threads_graph_url {THREADS_GRAPH_URL}, threads_api_version \
         {THREADS_API_VERSION}, app_scheme {APP_SCHEME}, scopes {SCOPES}, session_ttl_secs \
         {SESSION_TTL_SECS}, handoff_ttl_secs {HANDOFF_TTL_SECS}, max_sessions {MAX_SESSIONS}, \
         max_handoffs {MAX_HANDOFFS}, max_sessions_per_client {MAX_SESSIONS_PER_CLIENT}, \
         sessions_per_minute {SESSIONS_PER_MINUTE}, redemptions_per_minute {REDEMPTIONS_PER_MINUTE}, \
         trusted_proxies {TRUSTED_PROXIES}, proxy_networks {PROXY_NETWORKS}, max_connections \
         {MAX_CONNECTIONS}, header_timeout_secs {HEADER_TIMEOUT_SECS}, redis_url none (in memory), \
         redis_timeout_ms {REDIS_TIMEOUT_MS}, redis_key_prefix {REDIS_KEY_PREFIX}."
    )
}

/// Everything the relay needs to run, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on. Put a TLS-terminating reverse proxy in front (see the README).
    pub listen: SocketAddr,
    /// The public https base the browser reaches us at; `{public_url}/v1/callback` is the
    /// redirect URI registered with Meta (matched exactly).
    pub public_url: Url,
    /// The name the app shows for this service.
    pub name: String,
    /// The Instagram app id.
    pub client_id: String,
    /// The Instagram app secret: only ever in memory, in the exchange requests.
    pub client_secret: ClientSecret,
    /// Where Instagram lives (or the sandbox).
    pub instagram: Endpoints,
    /// The Threads app, when this service connects Threads accounts too.
    pub threads: Option<ThreadsApp>,
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
    /// Sessions one client may have waiting at once.
    pub max_sessions_per_client: usize,
    /// Session creations per client per minute.
    pub sessions_per_minute: u32,
    /// Handoff redemptions per client per minute.
    pub redemptions_per_minute: u32,
    /// Proxies in front that append to `X-Forwarded-For`.
    pub trusted_proxies: usize,
    /// The networks those proxies connect from.
    pub proxy_networks: Vec<IpNet>,
    /// Open connections served at once.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers.
    pub header_timeout: Duration,
    /// What opens `GET /metrics`; none: no such endpoint.
    pub metrics_token: Option<ClientSecret>,
    /// Where sessions, handoffs and rate limits are kept.
    pub store: StoreConfig,
}

/// The Threads app's registration with Meta, as the relay holds it.
#[derive(Debug, Clone)]
pub struct ThreadsApp {
    /// The Threads app id.
    pub client_id: String,
    /// The Threads app secret: only ever in memory, in the exchange requests.
    pub client_secret: ClientSecret,
    /// Where Threads lives (or the sandbox).
    pub endpoints: threads::Endpoints,
}

/// Where sessions, handoffs and rate limits are kept.
#[derive(Debug, Clone)]
pub enum StoreConfig {
    /// In this process: one replica.
    Memory,
    /// In Redis: any number of replicas.
    Redis(Box<RedisConfig>),
}

/// A Redis to share, checked.
#[derive(Clone)]
pub struct RedisConfig {
    /// Where, with the password from the environment if any.
    pub connection: redis::ConnectionInfo,
    /// The URL as configured (it holds no password), for reports and logs.
    pub url: String,
    /// The longest any call may take.
    pub timeout: Duration,
    /// The prefix of every key.
    pub key_prefix: String,
    /// What seals tokens before they reach Redis.
    pub handoff_key: crate::store::HandoffKey,
}

impl RedisConfig {
    /// Plain TCP to a host that is not this machine.
    pub fn crosses_the_network(&self) -> bool {
        match self.connection.addr() {
            redis::ConnectionAddr::Tcp(host, _) => {
                host != "localhost" && !host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
            }
            _ => false,
        }
    }
}

impl std::fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .field("key_prefix", &self.key_prefix)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Whether `peer` is one of the trusted proxies, whose `X-Forwarded-For` is read.
    pub fn is_trusted_proxy(&self, peer: IpAddr) -> bool {
        let peer = peer.to_canonical();
        self.trusted_proxies > 0 && self.proxy_networks.iter().any(|net| net.contains(&peer))
    }

    /// The exact redirect URI registered with Meta.
    pub fn redirect_uri(&self) -> String {
        self.redirect_uri_for(Network::Instagram)
    }

    /// The redirect URI registered with Meta for `network`: `/v1/callback` for Instagram (as it
    /// always was), `/v1/callback/threads` for Threads.
    pub fn redirect_uri_for(&self, network: Network) -> String {
        let base = self.public_url.as_str().trim_end_matches('/');
        match network {
            Network::Instagram => format!("{base}/v1/callback"),
            other => format!("{base}/v1/callback/{}", other.as_str()),
        }
    }

    /// The networks this service connects.
    pub fn networks(&self) -> Vec<Network> {
        Network::ALL
            .into_iter()
            .filter(|network| *network == Network::Instagram || self.threads.is_some())
            .collect()
    }

    /// A configuration for tests and the app's demo mode: everything at `instagram`, public
    /// at `public_url`, the defaults otherwise.
    pub fn local(
        public_url: Url,
        instagram: Endpoints,
        client_id: String,
        client_secret: ClientSecret,
    ) -> Self {
        let settings = Settings {
            listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            public_url: Some(public_url.to_string()),
            client_id: Some(client_id),
            client_secret: Some(client_secret.expose().to_string()),
            ..Settings::default()
        };
        let mut config = settings.resolve().expect("the defaults with a local public URL resolve");
        config.instagram = instagram;
        config
    }

    /// Connect Threads accounts too, with this app at `endpoints` (tests, the demo).
    pub fn with_threads(
        mut self,
        client_id: String,
        client_secret: ClientSecret,
        endpoints: threads::Endpoints,
    ) -> Self {
        self.threads = Some(ThreadsApp { client_id, client_secret, endpoints });
        self
    }
}

impl Config {
    /// Keep sessions, handoffs and rate limits in the Redis at `url`, sealing tokens with
    /// `handoff_key` (base64 of 32 bytes), with the default timeout and key prefix: what
    /// `redis_url` and `RELAY_HANDOFF_KEY` do, for tests and embedders.
    pub fn use_redis(&mut self, url: &str, handoff_key: &str) -> Result<(), ConfigError> {
        self.store = StoreConfig::Redis(redis_config(
            url.to_string(),
            None,
            Some(handoff_key.to_string()),
            defaults::REDIS_KEY_PREFIX.into(),
            Duration::from_millis(defaults::REDIS_TIMEOUT_MS),
        )?);
        Ok(())
    }
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
        /// Why (a position and what is wrong there; never the file's text).
        reason: String,
    },
}

impl Args {
    /// Merge flags/env over the file over the defaults, take the secrets from the process's
    /// environment, and check.
    pub fn resolve(self) -> Result<Config, ConfigError> {
        self.resolve_with_env(|name| std::env::var(name).ok())
    }

    /// [`Args::resolve`] with the secrets read through `env` (tests give their own).
    pub fn resolve_with_env(self, env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let file = match &self.config {
            Some(path) => Some(read_file(path)?),
            None => None,
        };
        let mut merged = match file {
            Some((path, file)) => self.settings.over(path, file)?,
            None => self.settings,
        };
        merged.client_secret = merged.client_secret.or_else(|| env(CLIENT_SECRET_ENV));
        merged.threads_client_secret =
            merged.threads_client_secret.or_else(|| env(THREADS_CLIENT_SECRET_ENV));
        merged.metrics_token = merged.metrics_token.or_else(|| env(METRICS_TOKEN_ENV));
        merged.handoff_key = merged.handoff_key.or_else(|| env(HANDOFF_KEY_ENV));
        merged.redis_password = merged.redis_password.or_else(|| env(REDIS_PASSWORD_ENV));
        merged.resolve()
    }
}

/// The settings in the file at `path`.
fn read_file(path: &Path) -> Result<(PathBuf, toml::Table), ConfigError> {
    let file_error = |reason: String| ConfigError::File { path: path.to_path_buf(), reason };
    let text = std::fs::read_to_string(path).map_err(|e| file_error(e.to_string()))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| {
        // `toml`'s own text quotes the offending line, which may be a secret's.
        let at = e.span().map(|span| line_and_column(&text, span.start)).unwrap_or_default();
        file_error(format!("{at}{}", e.message()))
    })?;
    for (key, env) in [
        ("client_secret", CLIENT_SECRET_ENV),
        ("threads_client_secret", THREADS_CLIENT_SECRET_ENV),
        ("metrics_token", METRICS_TOKEN_ENV),
        ("handoff_key", HANDOFF_KEY_ENV),
        ("redis_password", REDIS_PASSWORD_ENV),
    ] {
        if table.contains_key(key) {
            return Err(file_error(format!(
                "{key} does not belong in the file: set {env} in the environment \
                 (the package reads it from /etc/evergreen-relay/secret.env, mode 0600)"
            )));
        }
    }
    if table.contains_key("trust_forwarded_for") {
        return Err(file_error(
            "trust_forwarded_for was replaced by trusted_proxies: the number of proxies in front of the \
             relay (1 for one reverse proxy)"
                .into(),
        ));
    }
    Ok((path.to_path_buf(), table))
}

fn line_and_column(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}: ")
}

impl Settings {
    /// These settings over the file's: each key of the file is checked on its own, so an
    /// error names it.
    fn over(self, path: PathBuf, file: toml::Table) -> Result<Settings, ConfigError> {
        let mut merged = serde_json::to_value(Settings::default()).expect("settings serialize");
        let file_error = |reason: String| ConfigError::File { path: path.clone(), reason };
        for (key, value) in file {
            let value = serde_json::to_value(&value).map_err(|e| file_error(format!("{key}: {e}")))?;
            let mut probe = serde_json::Map::new();
            probe.insert(key.clone(), value.clone());
            serde_json::from_value::<Settings>(serde_json::Value::Object(probe)).map_err(|e| {
                let reason = e.to_string();
                // serde names unknown fields itself (the key is the file's, not a value); for a
                // wrong type its text quotes the value ("invalid type: string \"…\""), so only
                // the key and what was expected are kept.
                file_error(if reason.starts_with("unknown field") {
                    reason
                } else {
                    // The last "expected": the value quoted before it may hold the word too.
                    match reason.rsplit_once("expected ") {
                        Some((_, expected)) => format!("{key}: expected {expected}"),
                        None => format!("{key}: a value of the wrong kind"),
                    }
                })
            })?;
            merged[key] = value;
        }
        let ours = serde_json::to_value(&self).expect("settings serialize");
        for (key, value) in ours.as_object().expect("an object") {
            merged[key] = value.clone();
        }
        let merged: Settings = serde_json::from_value(merged).expect("every key was checked");
        // The secrets are never serialized, so they come across by hand.
        Ok(Settings {
            client_secret: self.client_secret,
            threads_client_secret: self.threads_client_secret,
            metrics_token: self.metrics_token,
            handoff_key: self.handoff_key,
            redis_password: self.redis_password,
            ..merged
        })
    }

    /// Apply the defaults and check everything.
    pub fn resolve(self) -> Result<Config, ConfigError> {
        let invalid = |m: String| ConfigError::Invalid(m);
        // Instagram's hosts receive the secret and hand out tokens: https, or loopback for a
        // sandbox on this machine.
        let url = |name: &'static str, value: Option<String>, default: &str| -> Result<Url, ConfigError> {
            let value = value.unwrap_or_else(|| default.to_string());
            let url = Url::parse(&value).map_err(|e| invalid(format!("{name}: {e}")))?;
            if url.scheme() != "https" && !(url.scheme() == "http" && is_loopback(&url)) {
                return Err(invalid(format!(
                    "{name} must be https (plain http is allowed on loopback for a sandbox)"
                )));
            }
            Ok(url)
        };
        let public_url = self.public_url.ok_or(ConfigError::Missing("public_url (RELAY_PUBLIC_URL)"))?;
        let public_url = Url::parse(&public_url).map_err(|e| invalid(format!("public_url: {e}")))?;
        if public_url.scheme() != "https" && !is_loopback(&public_url) {
            return Err(invalid(
                "public_url must be https: Instagram only redirects to https (plain http is allowed on loopback for testing)"
                    .into(),
            ));
        }
        let name = self.name.unwrap_or_else(|| defaults::NAME.into());
        let name = name.trim().to_string();
        if !(1..=60).contains(&name.chars().count())
            || name.chars().any(|c| c.is_control() || is_invisible(c))
        {
            return Err(invalid(
                "name: 1 to 60 characters, none of them control, direction or zero-width characters".into(),
            ));
        }
        let client_id = self.client_id.ok_or(ConfigError::Missing("client_id (INSTAGRAM_CLIENT_ID)"))?;
        let client_secret = self.client_secret.ok_or(ConfigError::Missing(
            "client_secret (the INSTAGRAM_CLIENT_SECRET environment variable)",
        ))?;
        let scopes = self
            .scopes
            .unwrap_or_else(|| defaults::SCOPES.into())
            .split(',')
            .map(|s| {
                Scope::parse(s.trim())
                    .ok_or_else(|| invalid(format!("scopes: unknown permission {}", s.trim())))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if !scopes.contains(&Scope::BusinessBasic) {
            return Err(invalid("scopes must include instagram_business_basic".into()));
        }
        let instagram = Endpoints {
            www: url("instagram_www_url", self.instagram_www_url, defaults::INSTAGRAM_WWW_URL)?,
            api: url("instagram_api_url", self.instagram_api_url, defaults::INSTAGRAM_API_URL)?,
            graph: url("instagram_graph_url", self.instagram_graph_url, defaults::INSTAGRAM_GRAPH_URL)?,
            version: self.instagram_api_version.unwrap_or_else(|| defaults::INSTAGRAM_API_VERSION.into()),
        };
        let threads = match (self.threads_client_id, self.threads_client_secret) {
            (None, None) => None,
            (Some(client_id), Some(secret)) => Some(ThreadsApp {
                client_id,
                client_secret: ClientSecret::new(secret),
                endpoints: threads::Endpoints {
                    www: url("threads_www_url", self.threads_www_url, defaults::THREADS_WWW_URL)?,
                    graph: url("threads_graph_url", self.threads_graph_url, defaults::THREADS_GRAPH_URL)?,
                    version: self.threads_api_version.unwrap_or_else(|| defaults::THREADS_API_VERSION.into()),
                },
            }),
            (Some(_), None) => {
                return Err(ConfigError::Missing(
                    "threads_client_secret (the THREADS_CLIENT_SECRET environment variable, with threads_client_id)",
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::Missing(
                    "threads_client_id (THREADS_CLIENT_ID), with THREADS_CLIENT_SECRET",
                ));
            }
        };
        let app_scheme = self.app_scheme.unwrap_or_else(|| defaults::APP_SCHEME.into());
        if app_scheme.is_empty()
            || !app_scheme.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.')
        {
            return Err(invalid("app_scheme: lowercase letters, digits and dots".into()));
        }
        let within = |name: &str, value: u64, range: std::ops::RangeInclusive<u64>| {
            if range.contains(&value) {
                Ok(value)
            } else {
                Err(invalid(format!("{name} must be between {} and {}", range.start(), range.end())))
            }
        };
        let at_least_one = |name: &str, v: usize| {
            if v == 0 { Err(invalid(format!("{name} must be at least 1"))) } else { Ok(v) }
        };
        let session_ttl = within(
            "session_ttl_secs",
            self.session_ttl_secs.unwrap_or(defaults::SESSION_TTL_SECS),
            60..=3600,
        )?;
        let handoff_ttl = within(
            "handoff_ttl_secs",
            self.handoff_ttl_secs.unwrap_or(defaults::HANDOFF_TTL_SECS),
            10..=600,
        )?;
        let header_timeout = within(
            "header_timeout_secs",
            self.header_timeout_secs.unwrap_or(defaults::HEADER_TIMEOUT_SECS),
            1..=120,
        )?;
        let trusted_proxies = self.trusted_proxies.unwrap_or(defaults::TRUSTED_PROXIES);
        if trusted_proxies > 8 {
            return Err(invalid("trusted_proxies: at most 8 proxies in front of the relay".into()));
        }
        let proxy_networks = self
            .proxy_networks
            .as_deref()
            .unwrap_or(defaults::PROXY_NETWORKS)
            .split(',')
            .map(|net| {
                let net = net.trim();
                net.parse::<IpNet>()
                    .or_else(|_| net.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| canonical_network(net.trunc()))
                    .map_err(|_| {
                        invalid(format!("proxy_networks: {net} is not a network such as 10.0.0.0/8"))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let metrics_token = match self.metrics_token {
            Some(token) if token.len() < 16 => {
                return Err(invalid("metrics_token: at least 16 characters".into()));
            }
            other => other.map(ClientSecret::new),
        };
        let redis_timeout = within(
            "redis_timeout_ms",
            self.redis_timeout_ms.unwrap_or(defaults::REDIS_TIMEOUT_MS),
            50..=10_000,
        )?;
        let store = match self.redis_url {
            None => StoreConfig::Memory,
            Some(url) => StoreConfig::Redis(redis_config(
                url,
                self.redis_password,
                self.handoff_key,
                self.redis_key_prefix.unwrap_or_else(|| defaults::REDIS_KEY_PREFIX.into()),
                Duration::from_millis(redis_timeout),
            )?),
        };
        Ok(Config {
            listen: self.listen.unwrap_or_else(|| defaults::LISTEN.parse().expect("a static address")),
            public_url,
            name,
            client_id,
            client_secret: ClientSecret::new(client_secret),
            instagram,
            threads,
            app_scheme,
            scopes,
            session_ttl: Duration::from_secs(session_ttl),
            handoff_ttl: Duration::from_secs(handoff_ttl),
            max_sessions: at_least_one("max_sessions", self.max_sessions.unwrap_or(defaults::MAX_SESSIONS))?,
            max_handoffs: at_least_one("max_handoffs", self.max_handoffs.unwrap_or(defaults::MAX_HANDOFFS))?,
            max_sessions_per_client: at_least_one(
                "max_sessions_per_client",
                self.max_sessions_per_client.unwrap_or(defaults::MAX_SESSIONS_PER_CLIENT),
            )?,
            sessions_per_minute: at_least_one(
                "sessions_per_minute",
                self.sessions_per_minute.unwrap_or(defaults::SESSIONS_PER_MINUTE) as usize,
            )? as u32,
            redemptions_per_minute: at_least_one(
                "redemptions_per_minute",
                self.redemptions_per_minute.unwrap_or(defaults::REDEMPTIONS_PER_MINUTE) as usize,
            )? as u32,
            trusted_proxies,
            proxy_networks,
            max_connections: at_least_one(
                "max_connections",
                self.max_connections.unwrap_or(defaults::MAX_CONNECTIONS),
            )?,
            header_timeout: Duration::from_secs(header_timeout),
            metrics_token,
            store,
        })
    }
}

/// A Redis setting, checked: a URL the driver understands with no password in it (that comes
/// from the environment), and the sealing key that every replica must share.
fn redis_config(
    url: String,
    password: Option<String>,
    handoff_key: Option<String>,
    key_prefix: String,
    timeout: Duration,
) -> Result<Box<RedisConfig>, ConfigError> {
    use redis::IntoConnectionInfo;
    let invalid = |m: String| ConfigError::Invalid(m);
    // The driver's own parse error quotes nothing but its reason; the URL is not repeated in
    // case it holds a password after all.
    let connection = url.as_str().into_connection_info().map_err(|e| {
        invalid(format!(
            "redis_url: {} (redis://host:port/db or redis+unix:///path/to/redis.sock)",
            e.detail().unwrap_or("not a Redis URL")
        ))
    })?;
    if connection.redis_settings().password().is_some() {
        return Err(invalid(format!(
            "redis_url must not hold a password: set {REDIS_PASSWORD_ENV} in the environment instead"
        )));
    }
    let connection = match password {
        Some(password) => {
            let settings = connection.redis_settings().clone().set_password(password);
            connection.set_redis_settings(settings)
        }
        None => connection,
    };
    let handoff_key = handoff_key
        .ok_or(ConfigError::Missing(
            "the handoff key (the RELAY_HANDOFF_KEY environment variable, required with redis_url)",
        ))
        .and_then(|key| {
            crate::store::HandoffKey::parse(&key).map_err(|e| invalid(format!("{HANDOFF_KEY_ENV} {e}")))
        })?;
    if key_prefix.is_empty()
        || key_prefix.len() > 64
        || key_prefix.chars().any(|c| c.is_control() || c == ' ')
    {
        return Err(invalid("redis_key_prefix: 1 to 64 characters, no spaces or control characters".into()));
    }
    Ok(Box::new(RedisConfig { connection, url, timeout, key_prefix, handoff_key }))
}

/// An IPv4-mapped IPv6 network as the IPv4 one: peers are compared in their canonical form,
/// so `::ffff:10.0.0.0/104` must mean `10.0.0.0/8` or it would never match.
fn canonical_network(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.addr().to_ipv4_mapped() {
            Some(v4) => ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96).map_or(net, IpNet::V4),
            None => net,
        },
        other => other,
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// What `evergreen-relay check` says about a configuration that resolves.
pub fn check_report(config: &Config) -> String {
    let https = config.public_url.scheme() == "https";
    format!(
        "The configuration is valid.\n\
         Register this redirect URI with Meta (Instagram → API setup with Instagram login → Business login settings),\n\
         exactly as written:\n  {}\n{}\
         Public URL: {}\n\
         Listening on: {}{}\n\
         Client addresses: {}\n\
         Sessions and handoffs: {}\n",
        config.redirect_uri(),
        match &config.threads {
            Some(_) => format!(
                "Threads (app {}): register this one with the Threads use case's redirect callback URLs:\n  {}\n",
                config.threads.as_ref().map_or("", |app| app.client_id.as_str()),
                config.redirect_uri_for(Network::Threads)
            ),
            None => "Threads: not offered (set threads_client_id and THREADS_CLIENT_SECRET to connect Threads accounts)\n".into(),
        },
        if https {
            "https (good)"
        } else {
            "plain http on loopback: for testing only, Instagram will refuse it"
        },
        config.listen,
        if config.listen.ip().is_loopback() { " (loopback: put a TLS proxy in front)" } else { "" },
        match config.trusted_proxies {
            0 => "the peer address (no proxy trusted)".to_string(),
            n => format!(
                "X-Forwarded-For, {n} trusted prox{}, from peers in {}",
                if n == 1 { "y" } else { "ies" },
                config.proxy_networks.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ),
        },
        match &config.store {
            StoreConfig::Memory =>
                "in memory (one replica; a restart ends the sign-ins in flight)".to_string(),
            StoreConfig::Redis(redis) => format!(
                "in Redis at {} (shared by every replica using it; records sealed with {HANDOFF_KEY_ENV}){}",
                redis.url,
                if redis.crosses_the_network() {
                    "\n  Warning: plain TCP to another machine. Redis sees only sealed records and keyed names, \
                     but its password crosses the network in the clear: keep Redis on a private network \
                     or behind a TLS tunnel, reachable only by the relays"
                } else {
                    ""
                }
            ),
        },
    )
}

/// Characters that change how the text around them reads without showing themselves (bidi
/// marks and overrides, zero-width and filler characters, tags, private use, any space but the
/// plain one): the app refuses a name holding one, so the
/// relay refuses to start with it. Written again here on purpose: the relay does not depend on
/// the app's core (which checks the same set in `connect/relay.rs`).
fn is_invisible(c: char) -> bool {
    (c.is_whitespace() && c != ' ')
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{E000}'..='\u{F8FF}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{10FFFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> tempfile_path::Temp {
        tempfile_path::Temp::new(text)
    }

    /// A tiny temporary file, without another dependency.
    mod tempfile_path {
        pub struct Temp(pub std::path::PathBuf);
        impl Temp {
            pub fn new(text: &str) -> Self {
                let path = std::env::temp_dir().join(format!(
                    "relay-config-{}-{}.toml",
                    std::process::id(),
                    rand::random::<u64>()
                ));
                std::fs::write(&path, text).unwrap();
                Self(path)
            }
        }
        impl Drop for Temp {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
    }

    /// What resolving with a config file holding `text` says is wrong.
    fn file_error(text: &str) -> String {
        let f = file(text);
        Args { config: Some(f.0.clone()), settings: required(), command: None }
            .resolve()
            .map(drop)
            .expect_err("the file is refused")
            .to_string()
    }

    fn required() -> Settings {
        Settings {
            public_url: Some("https://relay.example.com".into()),
            client_id: Some("1".into()),
            client_secret: Some("s3cr3t-value".into()),
            ..Settings::default()
        }
    }

    #[test]
    fn flags_win_over_the_file_which_wins_over_the_defaults() {
        let f = file("max_sessions = 5\nmax_handoffs = 7\n");
        let config = Args {
            config: Some(f.0.clone()),
            settings: Settings { max_sessions: Some(9), ..required() },
            command: None,
        }
        .resolve()
        .unwrap();
        assert_eq!((config.max_sessions, config.max_handoffs, config.sessions_per_minute), (9, 7, 30));
    }

    #[test]
    fn a_file_error_names_the_place_and_never_quotes_a_value() {
        let f = file("listen = \"127.0.0.1:8788\"\nclient_id = s3cr3t-looking-value\n");
        let error =
            Args { config: Some(f.0.clone()), settings: required(), command: None }.resolve().unwrap_err();
        let text = error.to_string();
        assert!(text.contains("line 2, column"), "{text}");
        assert!(!text.contains("s3cr3t-looking-value"), "{text}");
        let text = file_error("max_sessions = \"many\"\n");
        assert!(text.contains("max_sessions: expected"), "names the key: {text}");
        assert!(!text.contains("many"), "never the value: {text}");
        let text = file_error("max_sessions = \"x expected s3cr3t-looking\"\n");
        assert!(!text.contains("s3cr3t-looking"), "a value holding the word 'expected': {text}");
        let text = file_error("client_id = 12345678987654321\n");
        assert!(text.contains("client_id: expected") && !text.contains("12345678987654321"), "{text}");
        let text = file_error("max_sesions = 3\n");
        assert!(text.contains("unknown field `max_sesions`"), "{text}");
    }

    #[test]
    fn the_name_people_see_is_short_and_printable() {
        let name = |name: &str| Settings { name: Some(name.into()), ..required() }.resolve().map(|c| c.name);
        assert_eq!(Settings { ..required() }.resolve().unwrap().name, defaults::NAME);
        assert_eq!(name("  Harbour Agency  ").unwrap(), "Harbour Agency");
        for bad in [
            "",
            "   ",
            &"x".repeat(61),
            "two\nlines",
            "Harbour \u{202E}moc.live",
            "Harbour\u{200B}",
            "Harbour\u{2028}Agency",
        ] {
            let error = name(bad).expect_err(bad).to_string();
            assert!(error.starts_with("name: "), "{error}");
        }
    }

    #[test]
    fn secrets_are_refused_in_the_file() {
        for (line, env) in [
            ("client_secret = \"s3cr3t-value\"\n", CLIENT_SECRET_ENV),
            ("metrics_token = \"s3cr3t-value-metrics\"\n", METRICS_TOKEN_ENV),
        ] {
            let text = file_error(line);
            assert!(text.contains(env) && !text.contains("s3cr3t-value"), "{text}");
        }
    }

    #[test]
    fn redis_settings_are_checked_and_their_secrets_come_from_the_environment() {
        const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
        let f = file(
            "public_url = \"https://relay.example.com\"\nclient_id = \"1\"\n\
             redis_url = \"redis+unix:///run/redis/redis.sock\"\nredis_timeout_ms = 250\n",
        );
        let env = |key: Option<&'static str>, password: Option<&'static str>| {
            move |name: &str| match name {
                CLIENT_SECRET_ENV => Some("from-the-environment".to_string()),
                HANDOFF_KEY_ENV => key.map(str::to_string),
                REDIS_PASSWORD_ENV => password.map(str::to_string),
                _ => None,
            }
        };
        let resolve = |key, password| {
            Args { config: Some(f.0.clone()), ..Args::default() }.resolve_with_env(env(key, password))
        };
        let config = resolve(Some(KEY), Some("redis-s3cr3t")).expect("resolves");
        let StoreConfig::Redis(redis) = &config.store else { panic!("on Redis") };
        assert_eq!(
            (redis.timeout, redis.key_prefix.as_str()),
            (Duration::from_millis(250), "evergreen-relay:")
        );
        assert_eq!(redis.connection.redis_settings().password(), Some("redis-s3cr3t"));
        assert!(!format!("{config:?}").contains("redis-s3cr3t"), "the password is not in the Debug form");
        let report = check_report(&config);
        assert!(report.contains("in Redis at redis+unix:///run/redis/redis.sock"), "{report}");
        assert!(!report.contains("Warning"), "{report}");
        let across = |url: &str| {
            let mut config = config.clone();
            config.use_redis(url, KEY).unwrap();
            check_report(&config).contains("Warning: plain TCP to another machine")
        };
        assert!(across("redis://10.0.0.5:6379/0"));
        assert!(!across("redis://127.0.0.1:6379/0") && !across("redis://localhost:6379"));

        let missing = resolve(None, None).unwrap_err().to_string();
        assert!(missing.contains(HANDOFF_KEY_ENV), "{missing}");
        let short = resolve(Some("c2hvcnQ="), None).unwrap_err().to_string();
        assert!(
            short.contains(HANDOFF_KEY_ENV)
                && short.contains("32 random bytes")
                && !short.contains("c2hvcnQ"),
            "{short}"
        );

        for (line, expected) in [
            ("redis_url = \"redis://:hunter2@10.0.0.5:6379/0\"\n", "must not hold a password"),
            ("redis_url = \"http://10.0.0.5\"\n", "redis_url: "),
            ("redis_url = \"redis://10.0.0.5\"\nredis_timeout_ms = 20\n", "redis_timeout_ms"),
            ("redis_url = \"redis://10.0.0.5\"\nredis_key_prefix = \"a b\"\n", "redis_key_prefix"),
            ("handoff_key = \"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\"\n", HANDOFF_KEY_ENV),
            ("redis_password = \"hunter2\"\n", REDIS_PASSWORD_ENV),
        ] {
            let f = file(&format!("public_url = \"https://relay.example.com\"\nclient_id = \"1\"\n{line}"));
            let error = Args { config: Some(f.0.clone()), ..Args::default() }
                .resolve_with_env(env(Some(KEY), None))
                .map(drop)
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{line}: {error}");
            assert!(!error.contains("hunter2") && !error.contains("MDEyMzQ1"), "never the value: {error}");
        }
    }

    #[test]
    fn secrets_come_from_the_environment_never_a_flag() {
        for flag in ["--client-secret", "--metrics-token"] {
            assert!(Args::try_parse_from(["evergreen-relay", flag, "s3cr3t-value"]).is_err(), "{flag}");
        }
        let f = file("public_url = \"https://relay.example.com\"\nclient_id = \"1\"\n");
        let env = |name: &str| match name {
            CLIENT_SECRET_ENV => Some("from-the-environment".to_string()),
            METRICS_TOKEN_ENV => Some("a-metrics-token-of-length".to_string()),
            _ => None,
        };
        let config =
            Args { config: Some(f.0.clone()), ..Args::default() }.resolve_with_env(env).expect("resolves");
        assert_eq!(config.client_secret.expose(), "from-the-environment");
        assert_eq!(config.metrics_token.unwrap().expose(), "a-metrics-token-of-length");
        let missing = Args { config: Some(f.0.clone()), ..Args::default() }.resolve_with_env(|_| None);
        assert!(missing.unwrap_err().to_string().contains(CLIENT_SECRET_ENV));
        let given = Settings { client_secret: Some("given-in-code".into()), ..Settings::default() };
        let kept = Args { config: Some(f.0.clone()), settings: given, command: None }
            .resolve_with_env(|_| None)
            .expect("a secret set in code survives the file's merge");
        assert_eq!(kept.client_secret.expose(), "given-in-code");
    }

    #[test]
    fn instagram_hosts_are_https_or_loopback() {
        for (url, ok) in [
            ("https://graph.instagram.com", true),
            ("http://127.0.0.1:9000", true),
            ("http://localhost:9000", true),
            ("http://graph.instagram.com", false),
            ("ftp://127.0.0.1", false),
        ] {
            let settings = Settings { instagram_graph_url: Some(url.into()), ..required() };
            assert_eq!(settings.resolve().is_ok(), ok, "{url}");
        }
    }

    #[test]
    fn forwarded_for_is_read_only_from_the_proxy_networks() {
        let behind = |networks: Option<&str>| {
            Settings { trusted_proxies: Some(1), proxy_networks: networks.map(Into::into), ..required() }
                .resolve()
        };
        let default = behind(None).unwrap();
        assert!(default.is_trusted_proxy("127.0.0.1".parse().unwrap()));
        assert!(default.is_trusted_proxy("::ffff:127.0.0.1".parse().unwrap()), "IPv4-mapped");
        assert!(!default.is_trusted_proxy("203.0.113.9".parse().unwrap()));
        let lan = behind(Some("10.0.0.0/8, 192.168.1.7")).unwrap();
        assert!(lan.is_trusted_proxy("10.20.30.40".parse().unwrap()));
        assert!(lan.is_trusted_proxy("192.168.1.7".parse().unwrap()));
        assert!(!lan.is_trusted_proxy("192.168.1.8".parse().unwrap()));
        assert!(!required().resolve().unwrap().is_trusted_proxy("127.0.0.1".parse().unwrap()), "no proxies");
        let mapped = behind(Some("::ffff:10.0.0.0/104")).unwrap();
        assert!(mapped.is_trusted_proxy("10.1.2.3".parse().unwrap()), "a mapped network is its IPv4 one");
        assert!(mapped.is_trusted_proxy("::ffff:10.1.2.3".parse().unwrap()));
        let error = behind(Some("10.0.0.0/8,nonsense")).unwrap_err().to_string();
        assert!(error.contains("proxy_networks") && error.contains("nonsense"), "{error}");
    }

    #[test]
    fn lifetimes_are_settings_with_bounds() {
        let config = Settings { session_ttl_secs: Some(300), handoff_ttl_secs: Some(60), ..required() }
            .resolve()
            .unwrap();
        assert_eq!((config.session_ttl.as_secs(), config.handoff_ttl.as_secs()), (300, 60));
        assert!(Settings { handoff_ttl_secs: Some(5), ..required() }.resolve().is_err());
        assert!(Settings { session_ttl_secs: Some(86_400), ..required() }.resolve().is_err());
    }

    #[test]
    fn check_prints_the_redirect_uri_to_register() {
        let report = check_report(&required().resolve().unwrap());
        assert!(report.contains("https://relay.example.com/v1/callback"), "{report}");
        assert!(report.contains("https (good)"), "{report}");
        let local =
            Settings { public_url: Some("http://127.0.0.1:8788".into()), ..required() }.resolve().unwrap();
        assert!(check_report(&local).contains("for testing only"));
        assert!(
            Settings { public_url: Some("http://relay.example.com".into()), ..required() }.resolve().is_err()
        );
    }
}
