//! What crosses IPC, converted by hand from core types. Every field here is a promise to the
//! UI's zod schemas; none ever carries a token.

use chrono::{DateTime, SecondsFormat, Utc};
use evergreen_core::AccountView;
use evergreen_core::vault::VaultState;
use serde::{Deserialize, Serialize};

/// `app_info`: what the shell knows about itself.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The app's version.
    pub version: String,
    /// The profile's data directory.
    pub data_dir: String,
    /// `missing`, `locked` or `unlocked`.
    pub vault: &'static str,
    /// Demo mode: sandbox Instagram and an in-process relay.
    pub demo: bool,
    /// Whether Instagram answered the last call (`null` before any).
    pub online: Option<bool>,
    /// In demo mode, the pretend Instagram's address (its controls are under `/_sandbox/`).
    pub demo_instagram_url: Option<String>,
    /// `real` or `demo`: the profile open.
    pub mode: &'static str,
    /// The person has not chosen between real accounts and the pretend Instagram yet.
    pub first_run: bool,
    /// The sign-in service real mode uses, wherever it was set.
    pub sign_in: Option<SignInDto>,
    /// Mistakes in the configuration files, each naming its file and key (all skipped).
    pub config_problems: Vec<String>,
}

/// The sign-in service in use and where it was set.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInDto {
    /// Its address.
    pub url: String,
    /// Its host, to show beside its name.
    pub host: String,
    /// `environment`, `user_file`, `system_file` or `build_default`.
    pub source: &'static str,
    /// The file, for the two file sources.
    pub path: Option<String>,
}

impl From<&crate::config::SignInService> for SignInDto {
    fn from(service: &crate::config::SignInService) -> Self {
        Self {
            url: service.url.to_string(),
            host: service.url.host_str().unwrap_or_default().to_string(),
            source: service.source.as_str(),
            path: service.source.path().map(|p| p.display().to_string()),
        }
    }
}

/// What a sign-in service says about itself (`GET /v1/info`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceInfoDto {
    /// The address, as Evergreen will use it.
    pub url: String,
    /// Its host.
    pub host: String,
    /// Its name.
    pub name: String,
    /// The relay's version.
    pub version: String,
    /// The Instagram app whose login page people will see.
    pub instagram_app_id: String,
    /// The permissions it asks for.
    pub permissions: Vec<String>,
    /// The networks it connects (`Network::as_str`'s words), Instagram first.
    pub networks: Vec<&'static str>,
    /// The Threads app whose login page people will see, when it connects Threads.
    pub threads_app_id: Option<String>,
}

impl ServiceInfoDto {
    /// From the checked address and the relay's answer.
    pub fn new(url: &evergreen_instagram::Url, info: evergreen_core::connect::ServiceInfo) -> Self {
        let networks = info.networks().into_iter().map(|n| n.as_str()).collect();
        Self {
            url: url.to_string(),
            host: url.host_str().unwrap_or_default().to_string(),
            name: info.name,
            version: info.version,
            networks,
            instagram_app_id: info.instagram_app_id,
            permissions: info.permissions,
            threads_app_id: info.threads_app_id,
        }
    }
}

/// The wire form of a vault state.
/// The network a command names (Instagram when it names none, as the UI did before Threads).
/// An unknown word is the UI's mistake, answered in the core's words.
pub fn network(word: Option<&str>) -> Result<evergreen_core::account::Network, crate::error::IpcError> {
    use evergreen_core::account::Network;
    match word {
        None => Ok(Network::Instagram),
        Some(word) => Network::parse(word).ok_or_else(|| {
            evergreen_core::Error::Connect(evergreen_core::connect::Error::UnknownNetwork).into()
        }),
    }
}

pub fn vault_state(state: VaultState) -> &'static str {
    match state {
        VaultState::Missing => "missing",
        VaultState::Locked => "locked",
        VaultState::Unlocked => "unlocked",
    }
}

/// How a delivered link ended, for the banner that reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// An account was connected (or reconnected).
    Connected,
    /// The sign-in ended without a connection (cancelled, refused by Instagram, …).
    Failed,
    /// The link itself was refused (malformed, not ours, used, expired); nothing changed.
    Refused,
}

/// The outcome of one delivered link.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkNotice {
    /// Identifies the notice for dismissal.
    pub id: u64,
    /// How it ended.
    pub kind: NoticeKind,
    /// The error code when it did not connect (the UI branches on it).
    pub code: Option<&'static str>,
    /// What to tell the user.
    pub message: String,
    /// The flow the link answered, when it named one (the waiting dialog matches on it).
    pub state: Option<String>,
    /// The account connected.
    pub account_id: Option<String>,
    /// Its handle.
    pub username: Option<String>,
}

/// A started connect flow.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectStarted {
    /// The flow's state.
    pub state: String,
    /// Instagram's login page ("Copy link").
    pub authorize_url: String,
    /// Whether the browser opened it.
    pub browser_opened: bool,
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An account for the UI. Times are RFC 3339 in UTC.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountDto {
    /// Evergreen's id.
    pub id: String,
    /// `instagram` or `threads`.
    pub network: &'static str,
    /// The network's id for the account.
    pub network_user_id: String,
    /// Handle without `@`.
    pub username: String,
    /// `BUSINESS` or `MEDIA_CREATOR`.
    pub account_type: String,
    /// Avatar.
    pub profile_picture_url: Option<String>,
    /// `connected`, `refreshing`, `expiring`, `needs_reconnect`, `needs_instagram_login`, `locked`.
    pub status: &'static str,
    /// Why, as a stable reason code.
    pub status_reason: Option<&'static str>,
    /// Why, in words (the core's one mapping, `StatusReason::words`).
    pub status_words: Option<String>,
    /// When the token dies.
    pub token_expires_at: String,
    /// When it was issued.
    pub token_refreshed_at: String,
    /// When `/me` last answered.
    pub last_validated_at: Option<String>,
    /// When the next renewal is due.
    pub next_refresh_at: Option<String>,
    /// The person's label ("Harbour Cafe").
    pub label: Option<String>,
}

impl From<AccountView> for AccountDto {
    fn from(view: AccountView) -> Self {
        let a = view.account;
        Self {
            id: a.id.to_string(),
            network: a.network.as_str(),
            network_user_id: a.network_user_id,
            username: a.username,
            account_type: a.account_type.as_str().to_string(),
            profile_picture_url: a.profile_picture_url,
            status: view.status.as_str(),
            status_reason: a.status_reason.map(|r| r.as_str()),
            status_words: a.status_reason.map(|r| r.words(a.network)),
            token_expires_at: time(a.token_expires_at),
            token_refreshed_at: time(a.token_refreshed_at),
            last_validated_at: a.last_validated_at.map(time),
            next_refresh_at: a.next_refresh_at.map(time),
            label: view.label.map(|l| l.as_str().to_owned()),
        }
    }
}

/// The refresh policy, in the units the settings form uses.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyDto {
    /// Refresh a token once it is this many hours old.
    pub refresh_after_hours: u64,
    /// First warning, days before expiry.
    pub warn_first_days: u64,
    /// Last warning, hours before expiry.
    pub warn_last_hours: u64,
    /// Accounts refreshed at once.
    pub max_concurrency: u32,
    /// First retry delay, seconds.
    pub backoff_base_secs: u64,
    /// Longest retry delay, minutes.
    pub backoff_cap_minutes: u64,
}

impl From<evergreen_core::refresh::RefreshPolicy> for PolicyDto {
    fn from(p: evergreen_core::refresh::RefreshPolicy) -> Self {
        Self {
            refresh_after_hours: p.refresh_after_secs / 3600,
            warn_first_days: p.warn_first_secs / 86_400,
            warn_last_hours: p.warn_last_secs / 3600,
            max_concurrency: p.max_concurrency,
            backoff_base_secs: p.backoff_base_secs,
            backoff_cap_minutes: p.backoff_cap_secs / 60,
        }
    }
}

impl From<PolicyDto> for evergreen_core::refresh::RefreshPolicy {
    fn from(p: PolicyDto) -> Self {
        Self {
            refresh_after_secs: p.refresh_after_hours.saturating_mul(3600),
            warn_first_secs: p.warn_first_days.saturating_mul(86_400),
            warn_last_secs: p.warn_last_hours.saturating_mul(3600),
            max_concurrency: p.max_concurrency,
            backoff_base_secs: p.backoff_base_secs,
            backoff_cap_secs: p.backoff_cap_minutes.saturating_mul(60),
        }
    }
}

/// `get_settings`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsDto {
    /// The refresh policy.
    pub refresh_policy: PolicyDto,
    /// Start hidden at login.
    pub launch_at_login: bool,
}

/// Automatic unlock with the login keyring.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoUnlockDto {
    /// On: the vault opens with the login keyring at start.
    pub enabled: bool,
    /// Why this start needed the passphrase after all (said once, until the next unlock).
    pub fallback: Option<String>,
}

impl From<evergreen_core::AutoUnlock> for AutoUnlockDto {
    fn from(auto: evergreen_core::AutoUnlock) -> Self {
        Self { enabled: auto.enabled, fallback: auto.fallback }
    }
}

/// One line of the activity log.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventDto {
    /// Increasing id.
    pub id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// `connected`, `refreshed`, `refresh_failed`, …
    pub kind: &'static str,
    /// Plain words.
    pub detail: String,
    /// The account, if any.
    pub account_id: Option<String>,
}

impl From<evergreen_core::store::StoredEvent> for EventDto {
    fn from(e: evergreen_core::store::StoredEvent) -> Self {
        Self {
            id: e.id,
            at: time(e.event.at),
            kind: e.event.kind.as_str(),
            detail: e.event.detail,
            account_id: e.event.account.map(|a| a.to_string()),
        }
    }
}

/// The live profile.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileDto {
    /// Handle.
    pub username: String,
    /// Display name.
    pub name: Option<String>,
    /// `BUSINESS`, `MEDIA_CREATOR`.
    pub account_type: Option<String>,
    /// Avatar.
    pub profile_picture_url: Option<String>,
    /// Followers.
    pub followers_count: Option<u64>,
    /// Posts.
    pub media_count: Option<u64>,
}

impl From<evergreen_instagram::Me> for ProfileDto {
    fn from(me: evergreen_instagram::Me) -> Self {
        Self {
            username: me.username,
            name: me.name,
            account_type: me.account_type,
            profile_picture_url: me.profile_picture_url,
            followers_count: me.followers_count,
            media_count: me.media_count,
        }
    }
}

/// One post.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaDto {
    /// Media id.
    pub id: String,
    /// Caption.
    pub caption: Option<String>,
    /// `IMAGE`, `VIDEO`, `CAROUSEL_ALBUM`.
    pub media_type: Option<String>,
    /// The picture (or the video's still).
    pub image_url: Option<String>,
    /// On instagram.com.
    pub permalink: Option<String>,
    /// Posted at (Instagram's format).
    pub timestamp: Option<String>,
}

/// A page of posts.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaPageDto {
    /// Posts.
    pub items: Vec<MediaDto>,
    /// Cursor for "Load more"; `null` on the last page.
    pub after: Option<String>,
}

impl From<evergreen_instagram::MediaPage> for MediaPageDto {
    fn from(page: evergreen_instagram::MediaPage) -> Self {
        Self {
            items: page
                .items
                .into_iter()
                .map(|m| {
                    let video = m.media_type.as_deref() == Some("VIDEO");
                    MediaDto {
                        id: m.id.0,
                        caption: m.caption,
                        image_url: if video { m.thumbnail_url.or(m.media_url) } else { m.media_url },
                        media_type: m.media_type,
                        permalink: m.permalink,
                        timestamp: m.timestamp,
                    }
                })
                .collect(),
            after: page.after,
        }
    }
}

/// Milestones of the page's first load, in milliseconds since the webview began navigating.
/// A milestone the page could not read is 0.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PageTiming {
    /// The HTML document has arrived.
    pub html_ms: f64,
    /// The bundled scripts have run (DOMContentLoaded).
    pub scripts_ms: f64,
    /// The page's first render began.
    pub mounted_ms: f64,
    /// The first answer from the backend (vault state) is in.
    pub state_ms: f64,
    /// The next animation frame began.
    pub frame_ms: f64,
    /// The first real screen has been painted.
    pub painted_ms: f64,
}
