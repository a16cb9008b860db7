//! Everything the sandbox knows: test accounts, codes, tokens, faults, the call log.
//! Written from Meta's documented behaviour (`reference/instagram-platform.md`), not from
//! Evergreen's client, so that a misreading in one shows up against the other.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::SandboxClock;
use crate::faults::Fault;

/// Short-lived tokens live an hour.
pub const SHORT_LIVED: Duration = Duration::hours(1);
/// Long-lived tokens live 60 days (`expires_in` 5,184,000 s).
pub const LONG_LIVED: Duration = Duration::days(60);
/// A token younger than this cannot be refreshed.
pub const MIN_REFRESH_AGE: Duration = Duration::hours(24);
/// Authorization codes are single-use and short-lived.
pub const CODE_TTL: Duration = Duration::minutes(10);
/// Calls kept in the log (oldest dropped first).
const MAX_CALLS: usize = 100_000;

/// Which of Meta's networks an account, an app or a call belongs to. The sandbox plays each
/// on an address of its own, as Meta serves them from hosts of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    /// Instagram (`instagram.com`, `graph.instagram.com`).
    #[default]
    Instagram,
    /// Threads (`threads.com`, `graph.threads.net`).
    Threads,
}

/// The app registered with the sandbox (what Meta's app dashboard holds).
#[derive(Debug, Clone)]
pub struct App {
    /// Instagram app id.
    pub client_id: String,
    /// Instagram app secret.
    pub client_secret: String,
    /// Valid OAuth redirect URIs, matched exactly.
    pub redirect_uris: Vec<String>,
    /// Shown on the login page.
    pub name: String,
}

/// Kinds of Instagram account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountType {
    /// A business account.
    Business,
    /// A creator account (`MEDIA_CREATOR`).
    MediaCreator,
    /// A personal account: Instagram Login for business does not serve these.
    Personal,
}

/// A post.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Post {
    /// Media id.
    pub id: String,
    /// Caption.
    pub caption: String,
    /// `IMAGE`, `VIDEO`, `CAROUSEL_ALBUM`.
    pub media_type: String,
    /// Posted at.
    pub timestamp: DateTime<Utc>,
}

/// A test account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    /// Its network (Instagram for a state saved before Threads was played).
    #[serde(default)]
    pub network: Network,
    /// Professional account id (`user_id`).
    pub user_id: String,
    /// App-scoped id (`id`).
    pub app_scoped_id: String,
    /// Handle.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Kind.
    pub account_type: AccountType,
    /// Avatar URL, when set explicitly; otherwise the sandbox serves one.
    pub profile_picture_url: Option<String>,
    /// Followers.
    pub followers_count: u64,
    /// Posts, newest first.
    #[serde(skip_serializing, default)]
    pub posts: Vec<Post>,
    /// Must log in on the network's site first (checkpoint, subcode 459).
    pub checkpoint: bool,
}

/// A grant waiting to be exchanged.
#[derive(Debug, Clone)]
pub struct CodeGrant {
    /// On which network it was given.
    pub network: Network,
    /// Whose.
    pub user_id: String,
    /// For which app.
    pub client_id: String,
    /// Must match on exchange.
    pub redirect_uri: String,
    /// Granted permissions.
    pub scopes: Vec<String>,
    /// Useless after.
    pub expires_at: DateTime<Utc>,
    /// Single use.
    pub used: bool,
}

/// Short- or long-lived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// From the code exchange.
    ShortLived,
    /// From the exchange or a refresh.
    LongLived,
}

/// A token the sandbox issued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Token {
    /// Whose.
    pub user_id: String,
    /// Which kind.
    pub kind: TokenKind,
    /// Issued at.
    pub issued_at: DateTime<Utc>,
    /// Dies at.
    pub expires_at: DateTime<Utc>,
    /// Revoked with this subcode.
    pub revoked: Option<i64>,
    /// Granted permissions.
    pub scopes: Vec<String>,
}

/// One call to an Instagram endpoint, as the log keeps it: never the token itself.
#[derive(Debug, Clone, Serialize)]
pub struct Call {
    /// Increasing sequence number.
    pub seq: u64,
    /// Virtual time of the call.
    pub at: DateTime<Utc>,
    /// `authorize`, `code_exchange`, `long_lived_exchange`, `refresh`, `me`, `media`, `unknown`.
    pub endpoint: &'static str,
    /// HTTP method.
    pub method: String,
    /// Status answered.
    pub status: u16,
    /// The account, when the token named one.
    pub user_id: Option<String>,
    /// First 12 hex digits of SHA-256 of the token: correlates calls without the secret.
    pub token_fingerprint: Option<String>,
    /// Age of the token at the call, in seconds.
    pub token_age_secs: Option<i64>,
    /// The injected fault, if one answered.
    pub fault: Option<String>,
}

/// How the code exchange answers, since Meta has been seen to send both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeShape {
    /// `{access_token, user_id: <number>, permissions: "a,b"}`.
    Flat,
    /// `{data: [{access_token, user_id: "<string>", permissions: "a,b"}]}` (Meta's guide).
    Wrapped,
    /// `{access_token, user_id: <number>}`, no permissions (Meta's reference page).
    Bare,
}

/// Choices where Meta documents nothing, or documents two answers: the sandbox plays either.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Shapes {
    /// The code exchange's answer: flat or wrapped.
    pub code_exchange: ExchangeShape,
    /// Whether a refresh ends the token it renewed (subcode 467 afterwards). Meta does not
    /// say; by default the old token stays valid until its own expiry.
    #[serde(default)]
    pub refresh_ends_old_token: bool,
}

/// What a persisted sandbox keeps (posts included).
#[derive(Deserialize)]
struct Saved {
    accounts: Vec<Account>,
    tokens: HashMap<String, Token>,
}

#[derive(Serialize)]
struct SavedRef<'a> {
    #[serde(serialize_with = "accounts_with_posts")]
    accounts: &'a Vec<Account>,
    tokens: &'a HashMap<String, Token>,
}

fn accounts_with_posts<S: serde::Serializer>(accounts: &&Vec<Account>, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Full<'a> {
        #[serde(flatten)]
        account: &'a Account,
        posts: &'a Vec<Post>,
    }
    s.collect_seq(accounts.iter().map(|account| Full { account, posts: &account.posts }))
}

/// In-flight accounting, for concurrency measurements.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Stats {
    /// Calls being answered now.
    pub in_flight: u64,
    /// The most at once since the last reset.
    pub max_in_flight: u64,
    /// Calls answered since the last reset.
    pub total: u64,
}

/// The sandbox's whole state.
pub struct World {
    /// Virtual time.
    pub clock: SandboxClock,
    /// The registered Instagram app.
    pub app: App,
    /// The registered Threads app (none: the Threads address refuses every app).
    pub threads_app: Option<App>,
    inner: Mutex<Inner>,
    persist_to: Option<std::path::PathBuf>,
    seq: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    total: AtomicU64,
}

struct Inner {
    accounts: Vec<Account>,
    codes: HashMap<String, CodeGrant>,
    /// Keyed by SHA-256 of the token, as a real service would store them: the state can be
    /// written to disk without holding a usable token.
    tokens: HashMap<String, Token>,
    faults: VecDeque<Fault>,
    latency_ms: u64,
    calls: VecDeque<Call>,
    shapes: Shapes,
    next_user: u64,
}

/// Random URL-safe text of `bytes` random bytes.
pub fn random_text(bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut raw);
    URL_SAFE_NO_PAD.encode(raw)
}

/// The key a token is kept under: hex SHA-256.
fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The fingerprint a call log shows for a token.
pub fn fingerprint(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().take(6).map(|b| format!("{b:02x}")).collect()
}

impl World {
    /// A world with `app` registered and no accounts.
    pub fn new(clock: SandboxClock, app: App) -> Self {
        Self {
            clock,
            app,
            threads_app: None,
            inner: Mutex::new(Inner {
                accounts: Vec::new(),
                codes: HashMap::new(),
                tokens: HashMap::new(),
                faults: VecDeque::new(),
                latency_ms: 0,
                calls: VecDeque::new(),
                shapes: Shapes { code_exchange: ExchangeShape::Flat, refresh_ends_old_token: false },
                next_user: 1,
            }),
            persist_to: None,
            seq: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            max_in_flight: AtomicU64::new(0),
            total: AtomicU64::new(0),
        }
    }

    /// Register `app` with Threads too (its id and secret are Threads' own, as Meta gives an app
    /// a second id and secret for the Threads use case).
    pub fn with_threads(mut self, app: App) -> Self {
        self.threads_app = Some(app);
        self
    }

    /// The app registered on `network`.
    pub fn app_of(&self, network: Network) -> Option<&App> {
        match network {
            Network::Instagram => Some(&self.app),
            Network::Threads => self.threads_app.as_ref(),
        }
    }

    /// Keep accounts and tokens in `path` (read now if it exists, rewritten after every
    /// change), so a sandbox restarted with the same file still knows the tokens it issued:
    /// the app's demo mode survives a restart. Tokens are stored as digests only.
    pub fn persisted_at(mut self, path: std::path::PathBuf) -> std::io::Result<Self> {
        match std::fs::read(&path) {
            Ok(bytes) => {
                let saved: Saved = serde_json::from_slice(&bytes).map_err(std::io::Error::other)?;
                let mut inner = self.inner();
                inner.next_user = saved.accounts.len() as u64 + 1;
                inner.accounts = saved.accounts;
                inner.tokens = saved.tokens;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        self.persist_to = Some(path);
        self.persist();
        Ok(self)
    }

    fn persist(&self) {
        let Some(path) = &self.persist_to else { return };
        let saved = {
            let inner = self.inner();
            serde_json::to_vec(&SavedRef { accounts: &inner.accounts, tokens: &inner.tokens })
        };
        let tmp = path.with_extension("tmp");
        let written = saved.map_err(std::io::Error::other).and_then(|bytes| {
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, path)
        });
        if let Err(error) = written {
            tracing::warn!(%error, "sandbox state not saved");
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Now, in virtual time.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Add an account; returns it.
    pub fn create_account(
        &self,
        username: &str,
        name: &str,
        account_type: AccountType,
        followers: u64,
    ) -> Account {
        let now = self.now();
        let mut inner = self.inner();
        let n = inner.next_user;
        inner.next_user += 1;
        let user_id = format!("178414{:011}", 1_000 + n);
        let posts = (0..(12 + n as usize % 20))
            .map(|i| Post {
                id: format!("18{:03}{:012}", n, i),
                caption: caption(username, i),
                media_type: ["IMAGE", "VIDEO", "CAROUSEL_ALBUM"][i % 3].to_string(),
                timestamp: now - Duration::hours(30 * i as i64 + 5),
            })
            .collect();
        let account = Account {
            network: Network::Instagram,
            app_scoped_id: format!("9{:015}", 4_000 + n),
            user_id,
            username: username.into(),
            name: name.into(),
            account_type,
            profile_picture_url: None,
            followers_count: followers,
            posts,
            checkpoint: false,
        };
        inner.accounts.push(account.clone());
        drop(inner);
        self.persist();
        account
    }

    /// Add a Threads profile; returns it. Threads has one id per profile (`/me`'s `id`), and no
    /// account types or follower counts in what Evergreen reads.
    pub fn create_threads_account(&self, username: &str, name: &str) -> Account {
        let mut inner = self.inner();
        let n = inner.next_user;
        inner.next_user += 1;
        let id = format!("258{:013}", 7_000 + n);
        let account = Account {
            network: Network::Threads,
            app_scoped_id: id.clone(),
            user_id: id,
            username: username.into(),
            name: name.into(),
            account_type: AccountType::Personal,
            profile_picture_url: None,
            followers_count: 0,
            posts: Vec::new(),
            checkpoint: false,
        };
        inner.accounts.push(account.clone());
        drop(inner);
        self.persist();
        account
    }

    /// Every account.
    pub fn accounts(&self) -> Vec<Account> {
        self.inner().accounts.clone()
    }

    /// One account.
    pub fn account(&self, user_id: &str) -> Option<Account> {
        self.inner().accounts.iter().find(|a| a.user_id == user_id).cloned()
    }

    /// Change an account in place; false if unknown.
    pub fn update_account(&self, user_id: &str, change: impl FnOnce(&mut Account)) -> bool {
        let found = {
            let mut inner = self.inner();
            match inner.accounts.iter_mut().find(|a| a.user_id == user_id) {
                Some(account) => {
                    change(account);
                    true
                }
                None => false,
            }
        };
        if found {
            self.persist();
        }
        found
    }

    /// End every token of an account with `subcode` (458 app removed, 460 password changed,
    /// 463 expired, 464 unconfirmed, 467 logged out). Returns how many.
    /// End one token (by its value) with `subcode`.
    pub fn revoke_token(&self, value: &str, subcode: i64) {
        if let Some(token) = self.inner().tokens.get_mut(&digest(value)) {
            token.revoked.get_or_insert(subcode);
        }
        self.persist();
    }

    /// Revoke every living token of `user_id` with `subcode`; returns how many.
    pub fn revoke(&self, user_id: &str, subcode: i64) -> usize {
        let mut inner = self.inner();
        let mut n = 0;
        for token in inner.tokens.values_mut().filter(|t| t.user_id == user_id && t.revoked.is_none()) {
            token.revoked = Some(subcode);
            n += 1;
        }
        drop(inner);
        self.persist();
        n
    }

    /// Issue a code for a consent on the user's network, for that network's app.
    pub fn issue_code(&self, user_id: &str, redirect_uri: &str, scopes: Vec<String>) -> String {
        let code = format!("AQ{}", random_text(48));
        let network = self.account(user_id).map(|a| a.network).unwrap_or_default();
        let grant = CodeGrant {
            network,
            user_id: user_id.into(),
            client_id: self.app_of(network).map(|app| app.client_id.clone()).unwrap_or_default(),
            redirect_uri: redirect_uri.into(),
            scopes,
            expires_at: self.now() + CODE_TTL,
            used: false,
        };
        self.inner().codes.insert(code.clone(), grant);
        code
    }

    /// Spend a code given on `network`: `Err` says why it cannot be used.
    pub fn redeem_code(
        &self,
        network: Network,
        code: &str,
        redirect_uri: &str,
    ) -> Result<CodeGrant, &'static str> {
        let now = self.now();
        let mut inner = self.inner();
        let grant =
            inner.codes.get_mut(code).filter(|g| g.network == network).ok_or("Invalid authorization code")?;
        if grant.used {
            return Err("This authorization code has been used");
        }
        grant.used = true;
        if now >= grant.expires_at {
            return Err("This authorization code has expired");
        }
        if grant.redirect_uri != redirect_uri {
            return Err(
                "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
            );
        }
        Ok(grant.clone())
    }

    /// Issue a token.
    pub fn issue_token(&self, user_id: &str, kind: TokenKind, scopes: Vec<String>) -> (String, Token) {
        let now = self.now();
        let network = self.account(user_id).map(|a| a.network).unwrap_or_default();
        let prefix = if network == Network::Threads { "THAA" } else { "IGAA" };
        let value = format!("{prefix}{}", random_text(90));
        let lifetime = if kind == TokenKind::ShortLived { SHORT_LIVED } else { LONG_LIVED };
        let token = Token {
            user_id: user_id.into(),
            kind,
            issued_at: now,
            expires_at: now + lifetime,
            revoked: None,
            scopes,
        };
        self.inner().tokens.insert(digest(&value), token.clone());
        self.persist();
        (value, token)
    }

    /// Look a token up.
    pub fn token(&self, value: &str) -> Option<Token> {
        self.inner().tokens.get(&digest(value)).cloned()
    }

    /// Queue faults.
    pub fn add_fault(&self, fault: Fault) {
        self.inner().faults.push_back(fault);
    }

    /// Drop every queued fault.
    pub fn clear_faults(&self) {
        self.inner().faults.clear();
    }

    /// The queued faults.
    pub fn faults(&self) -> Vec<Fault> {
        self.inner().faults.iter().cloned().collect()
    }

    /// Take the next fault for `endpoint`, if one is queued for it.
    pub fn take_fault(&self, endpoint: &str) -> Option<Fault> {
        let mut inner = self.inner();
        let at = inner.faults.iter().position(|f| f.applies_to(endpoint))?;
        let fault = &mut inner.faults[at];
        fault.count = fault.count.saturating_sub(1);
        let taken = fault.clone();
        if fault.count == 0 {
            inner.faults.remove(at);
        }
        Some(taken)
    }

    /// Latency added to every Instagram call.
    pub fn latency_ms(&self) -> u64 {
        self.inner().latency_ms
    }

    /// Set the latency added to every Instagram call.
    pub fn set_latency_ms(&self, ms: u64) {
        self.inner().latency_ms = ms.min(60_000);
    }

    /// How the code exchange answers.
    pub fn shapes(&self) -> Shapes {
        self.inner().shapes
    }

    /// Choose how the code exchange answers.
    pub fn set_shapes(&self, shapes: Shapes) {
        self.inner().shapes = shapes;
    }

    /// Append to the call log.
    pub fn log_call(&self, mut call: Call) {
        call.seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let mut inner = self.inner();
        if inner.calls.len() >= MAX_CALLS {
            inner.calls.pop_front();
        }
        inner.calls.push_back(call);
    }

    /// Calls with a sequence number above `since`.
    pub fn calls(&self, since: u64) -> Vec<Call> {
        self.inner().calls.iter().filter(|c| c.seq > since).cloned().collect()
    }

    /// A call started: count it in flight.
    pub fn enter(&self) {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        self.total.fetch_add(1, Ordering::Relaxed);
    }

    /// A call ended.
    pub fn leave(&self) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }

    /// In-flight figures.
    pub fn stats(&self) -> Stats {
        Stats {
            in_flight: self.in_flight.load(Ordering::SeqCst),
            max_in_flight: self.max_in_flight.load(Ordering::SeqCst),
            total: self.total.load(Ordering::Relaxed),
        }
    }

    /// Start counting afresh.
    pub fn reset_stats(&self) {
        self.max_in_flight.store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
        self.total.store(0, Ordering::Relaxed);
    }
}

fn caption(username: &str, i: usize) -> String {
    const THEMES: [&str; 8] = [
        "New season, new colours",
        "Behind the scenes at the studio",
        "Thank you for 10k!",
        "Weekend market this Saturday",
        "Fresh from the workshop",
        "Our team, our people",
        "Sneak peek: coming soon",
        "Customer favourite, back in stock",
    ];
    format!("{} #{} @{username}", THEMES[i % THEMES.len()], i + 1)
}
