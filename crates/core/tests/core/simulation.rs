//! A simulation of a manager's months: random sequences of everything a person, the scheduler,
//! the clock, the disk and Instagram can do, some of them at once, against the real core (real
//! vault and SQLite files, the sandbox over loopback, the real scheduler task) on a
//! `ManualClock`; the invariants are checked after every step.
//!
//! Why not `proptest-state-machine`: its `StateMachineTest` is synchronous and the core is
//! async; a proptest-generated `Vec<Op>` applied by an async runner, with the model kept beside
//! it, gives the same generation and shrinking (proptest shrinks the vector and each op).
//!
//! Budget: `EVERGREEN_SIM_CASES` sequences (default 2,000, about two minutes on two cores);
//! `EVERGREEN_SIM_CASES=100000 cargo test -p evergreen-core --test core simulation -- --nocapture`
//! runs a long one. Each run prints the cases, steps and invariant checks it made.
//!
//! The invariants:
//! 1. Every operation finishes (a hang guard far above any real duration; no deadlock).
//! 2. A kept account's token is honoured by Instagram, unless Instagram ended it, it expired
//!    while nothing could renew it, or the product said an operation on it failed.
//! 3. A disconnected account stays disconnected: no row, no token.
//! 4. No account is marked for reconnect while its token is honoured by Instagram (a
//!    permission refusal `/me` confirmed excepted).
//! 5. After a clean unlock, vault and SQLite agree: every living row has a token, every token a
//!    row.
//! 6. No renewal is ever sent for a token under 24 hours old.
//! 7. The scheduler never spins: at most one wake-up a minute while time passes (none faster).
//! 8. Automatic unlock opens the vault at a start exactly when it is on and the login keyring
//!    answers (an in-memory `LoginKeyring` the case can lock); otherwise the vault stays locked
//!    and the reason is kept for the unlock screen. Settings shows what the person chose last.
//! 9. A connected account shows the label the person gave it last (a reconnect keeps it, a
//!    refused write changes nothing), and no label outlives its account.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use evergreen_core::account::{AccountId, AccountStatus, AccountType, StatusReason};
use evergreen_core::clock::{Clock, ManualClock};
use evergreen_core::keyring::{self, KeyringFuture, LoginKeyring, VaultId, WrappingKey};
use evergreen_core::paths::DataDir;
use evergreen_core::vault::{FailNext, StrongholdVault, TokenRecord, TokenVault, VaultState};
use evergreen_core::{Evergreen, Profile, StartUnlock, ignore_changes};
use evergreen_instagram::AccessToken;
use evergreen_sandbox::world::TokenKind;
use evergreen_sandbox::{Fault, FaultKind, Sandbox, SandboxClock, World, demo_app};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::support::{CHEAP_KDF, NO_RELAY, PASS, pass, setup, t0};

const SLOTS: usize = 3;
/// Far above anything a step takes on a loaded machine: reaching it is a hang.
const HANG: Duration = Duration::from_secs(60);

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
});
static STEPS: AtomicU64 = AtomicU64::new(0);
static CHECKS: AtomicU64 = AtomicU64::new(0);
/// Time spent per kind of step (setup, each operation, the checks), for the report.
static SPENT: LazyLock<std::sync::Mutex<BTreeMap<&'static str, Duration>>> = LazyLock::new(Default::default);

fn spent(what: &'static str, since: std::time::Instant) {
    *SPENT.lock().unwrap().entry(what).or_default() += since.elapsed();
}

fn name(op: &Op) -> &'static str {
    match op {
        Op::Connect(_) => "connect",
        Op::Disconnect(_) => "disconnect",
        Op::RefreshAll => "refresh_all",
        Op::RefreshNow(_) => "refresh_now",
        Op::Run(_) => "run",
        Op::Suspend(_) => "suspend",
        Op::ClockBack(_) => "clock_back",
        Op::Lock => "lock",
        Op::Unlock => "unlock",
        Op::QuitAndReopen => "quit_and_reopen",
        Op::AutoUnlock(_) => "auto_unlock",
        Op::KeyringLocked(_) => "keyring_locked",
        Op::Label(..) => "label",
        Op::FailWrites(_) => "fail_writes",
        Op::FailSaves(_) => "fail_saves",
        Op::Instagram(..) => "instagram_fault",
        Op::Revoke(_) => "revoke",
        Op::Both(..) => "both",
        Op::Race(..) => "race",
    }
}

/// Something that happens.
#[derive(Debug, Clone)]
enum Op {
    /// Connect the account of a slot (a reconnect when it is connected).
    Connect(usize),
    Disconnect(usize),
    RefreshAll,
    RefreshNow(usize),
    /// Let minutes of time pass with the scheduler running.
    Run(u32),
    /// A laptop suspended for hours: the wall clock jumps, the monotonic one does not.
    Suspend(u32),
    /// The wall clock set back by minutes.
    ClockBack(u32),
    Lock,
    Unlock,
    /// Quit (saving what is in flight) and start again on the same profile.
    QuitAndReopen,
    /// Turn automatic unlock on (with the passphrase) or off.
    AutoUnlock(bool),
    /// The login keyring locked (or unlocked again) by the person or the desktop.
    KeyringLocked(bool),
    /// Label a slot's account "Client <slot>" (or remove its label).
    Label(usize, bool),
    /// The next metadata writes fail.
    FailWrites(u32),
    /// The next vault saves fail.
    FailSaves(u32),
    /// Instagram answers the next calls with a fault.
    Instagram(SandboxFault, u32),
    /// Instagram ends a slot's tokens (password changed).
    Revoke(usize),
    /// A day and a bit later, a renewal and a change landing inside its call.
    Race(Box<Op>, Box<Op>),
    /// Two of these at once; staggered: the second starts while the first has a call to
    /// Instagram in flight.
    Both(Box<Op>, Box<Op>, bool),
}

#[derive(Debug, Clone, Copy)]
enum SandboxFault {
    Http500,
    Code2,
    RateLimit,
    Http429,
    Permission,
    Latency,
    Drop,
    Malformed,
    Html,
    Timeout,
}

impl SandboxFault {
    fn kind(self) -> FaultKind {
        match self {
            Self::Http500 => FaultKind::Http500,
            Self::Code2 => FaultKind::Code2,
            Self::RateLimit => FaultKind::RateLimit { code: 80001 },
            Self::Http429 => FaultKind::Http429,
            Self::Permission => FaultKind::Permission,
            Self::Latency => FaultKind::Latency { ms: 20 },
            Self::Drop => FaultKind::Drop,
            Self::Malformed => FaultKind::MalformedJson,
            Self::Html => FaultKind::HtmlError,
            Self::Timeout => FaultKind::Timeout,
        }
    }
}

fn fault() -> impl Strategy<Value = SandboxFault> {
    use SandboxFault::*;
    prop_oneof![
        3 => Just(Http500),
        3 => Just(Code2),
        3 => Just(RateLimit),
        3 => Just(Http429),
        3 => Just(Permission),
        3 => Just(Latency),
        3 => Just(Drop),
        3 => Just(Malformed),
        3 => Just(Html),
        1 => Just(Timeout),
    ]
}

fn simple_op() -> impl Strategy<Value = Op> {
    let slot = 0..SLOTS;
    prop_oneof![
        6 => slot.clone().prop_map(Op::Connect),
        2 => slot.clone().prop_map(Op::Disconnect),
        3 => Just(Op::RefreshAll),
        3 => slot.clone().prop_map(Op::RefreshNow),
        6 => (1u32..=180).prop_map(Op::Run),
        4 => (20u32..=80).prop_map(Op::Suspend),
        1 => (1u32..=180).prop_map(Op::ClockBack),
        2 => Just(Op::Lock),
        3 => Just(Op::Unlock),
        2 => Just(Op::QuitAndReopen),
        2 => any::<bool>().prop_map(Op::AutoUnlock),
        1 => any::<bool>().prop_map(Op::KeyringLocked),
        2 => (slot.clone(), any::<bool>()).prop_map(|(s, on)| Op::Label(s, on)),
        // A few failures, or a disk full for a good while.
        1 => prop_oneof![1u32..=4, Just(400)].prop_map(Op::FailWrites),
        1 => prop_oneof![1u32..=4, Just(400)].prop_map(Op::FailSaves),
        3 => (fault(), 1u32..=3).prop_map(|(f, n)| Op::Instagram(f, n)),
        1 => slot.prop_map(Op::Revoke),
    ]
}

/// A renewal and a change to the same account, the change landing while the renewal's call is
/// out: the interleavings that break a naive engine.
fn race() -> impl Strategy<Value = Op> {
    let renewal = prop_oneof![Just(Op::RefreshAll), (0..SLOTS).prop_map(Op::RefreshNow)];
    let change = prop_oneof![
        (0..SLOTS).prop_map(Op::Connect),
        (0..SLOTS).prop_map(Op::Disconnect),
        Just(Op::Lock),
        Just(Op::RefreshAll),
        any::<bool>().prop_map(Op::AutoUnlock),
        (0..SLOTS, any::<bool>()).prop_map(|(s, on)| Op::Label(s, on)),
    ];
    // A day and a bit later, so the renewal really renews (manual renewals need 24 h; the
    // scheduler waits for 48).
    (renewal, change).prop_map(|(a, b)| Op::Race(Box::new(a), Box::new(b)))
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => race(),
        8 => simple_op(),
        4 => (simple_op(), simple_op(), any::<bool>())
            .prop_filter("time passing is not done at once with anything", |(a, b, _)| {
                !matches!(a, Op::Run(_) | Op::Suspend(_) | Op::ClockBack(_) | Op::QuitAndReopen)
                    && !matches!(b, Op::Run(_) | Op::Suspend(_) | Op::ClockBack(_) | Op::QuitAndReopen)
            })
            .prop_map(|(a, b, staggered)| Op::Both(Box::new(a), Box::new(b), staggered)),
    ]
}

/// What the person did to a slot, as far as the model knows.
#[derive(Debug, Clone, Default)]
struct Slot {
    /// The sandbox account, once created.
    user: Option<String>,
    /// The product's id for it, once connected.
    id: Option<AccountId>,
    /// Connected by the person and not disconnected since.
    kept: bool,
    /// Disconnected by the person (and not connected again since).
    gone: bool,
    /// Invariant 2 does not hold for it: Instagram ended it, or the product told the person an
    /// operation on it failed, or a renewal could not be saved before the vault locked.
    excused: bool,
    /// The label the person gave it last.
    label: Option<String>,
    /// Invariant 9 does not hold for it: a connect or disconnect of it failed half-way.
    label_unsure: bool,
}

fn label_of(slot: usize) -> String {
    format!("Client {slot}")
}

struct Case {
    dir: tempfile::TempDir,
    clock: ManualClock,
    sandbox: Sandbox,
    core: Option<Evergreen>,
    scheduler: Option<tokio::task::JoinHandle<()>>,
    saves: FailNext,
    slots: Vec<Slot>,
    /// Whether the person unlocked last (the model's view of the vault).
    unlocked: bool,
    permission_faults: bool,
    calls_seen: u64,
    /// The last operation unlocked the vault (so its catch-up has run).
    just_unlocked: bool,
    /// Metadata writes were made to fail at some point (an orphan token may wait for
    /// Instagram's answer at a later unlock).
    write_faults: bool,
    /// The login keyring, kept across restarts as the desktop's is.
    keyring: Arc<MemoryKeyring>,
    /// Automatic unlock as the person last turned it (the model's view).
    auto_unlock: bool,
}

/// A login keyring in memory, with the one switch a desktop has: locked or not.
#[derive(Default)]
struct MemoryKeyring {
    items: std::sync::Mutex<BTreeMap<String, WrappingKey>>,
    locked: std::sync::atomic::AtomicBool,
}

impl MemoryKeyring {
    fn answer(&self) -> Result<std::sync::MutexGuard<'_, BTreeMap<String, WrappingKey>>, keyring::Error> {
        if self.locked.load(Ordering::SeqCst) {
            return Err(keyring::Error::Locked);
        }
        Ok(self.items.lock().unwrap())
    }
}

impl LoginKeyring for MemoryKeyring {
    fn store<'a>(&'a self, vault: &'a VaultId, key: &'a WrappingKey) -> KeyringFuture<'a, ()> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            self.answer()?.insert(vault.to_string(), key.clone());
            Ok(())
        })
    }

    fn fetch<'a>(&'a self, vault: &'a VaultId) -> KeyringFuture<'a, WrappingKey> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            self.answer()?.get(vault.as_str()).cloned().ok_or(keyring::Error::Missing)
        })
    }

    fn delete<'a>(&'a self, vault: &'a VaultId) -> KeyringFuture<'a, ()> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            self.answer()?.remove(vault.as_str());
            Ok(())
        })
    }
}

fn scratch_dir() -> tempfile::TempDir {
    // On tmpfs where there is one: thousands of profiles, each fsyncing its writes.
    let base = std::path::Path::new("/dev/shm");
    let builder = tempfile::Builder::new().prefix("evergreen-sim-").to_owned();
    if base.is_dir() { builder.tempdir_in(base).unwrap() } else { builder.tempdir().unwrap() }
}

impl Case {
    async fn new(refresh_ends_old_token: bool, latency_ms: u64) -> Self {
        let t = std::time::Instant::now();
        // A fraction of a second in: the vault keeps sub-second times, SQLite whole seconds.
        let clock = ManualClock::at(t0() + chrono::Duration::milliseconds(370));
        let sandbox_time = clock.clone();
        let world = World::new(SandboxClock::new(Arc::new(move || sandbox_time.now())), demo_app(vec![]));
        world.set_shapes(evergreen_sandbox::Shapes { refresh_ends_old_token, ..world.shapes() });
        world.set_latency_ms(latency_ms);
        let sandbox = Sandbox::start(world).await.unwrap();
        spent("setup:sandbox", t);
        let mut case = Self {
            dir: scratch_dir(),
            clock,
            sandbox,
            core: None,
            scheduler: None,
            saves: FailNext::default(),
            slots: vec![Slot::default(); SLOTS],
            unlocked: true,
            permission_faults: false,
            calls_seen: 0,
            just_unlocked: false,
            write_faults: false,
            keyring: Arc::default(),
            auto_unlock: false,
        };
        let t = std::time::Instant::now();
        case.open();
        spent("setup:open", t);
        let t = std::time::Instant::now();
        case.core().create_vault(pass(PASS)).await.unwrap();
        spent("setup:vault", t);
        let t = std::time::Instant::now();
        case.start_scheduler().await;
        spent("setup:scheduler", t);
        case
    }

    fn data(&self) -> DataDir {
        DataDir::new(self.dir.path())
    }

    fn core(&self) -> &Evergreen {
        self.core.as_ref().expect("open")
    }

    fn open(&mut self) {
        let mut setup = setup(&self.data(), &self.clock, NO_RELAY, ignore_changes());
        setup.vault =
            Box::new(StrongholdVault::with_kdf(&self.data(), CHEAP_KDF).with_save_faults(self.saves.clone()));
        setup.instagram = evergreen_instagram::Endpoints::single_host(self.sandbox.url());
        setup.instagram_timeout = Some(Duration::from_millis(300));
        setup.keyring = self.keyring.clone();
        self.core = Some(Evergreen::open(setup).unwrap());
    }

    async fn start_scheduler(&mut self) {
        let before = self.clock.sleeps_started();
        self.scheduler = Some(tokio::spawn(self.core().clone().run_scheduler()));
        self.until_asleep(before).await;
    }

    async fn stop_scheduler(&mut self) {
        if let Some(task) = self.scheduler.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Wait until the scheduler has gone to sleep since `before` sleeps were counted.
    async fn until_asleep(&self, before: u64) {
        tokio::time::timeout(HANG, self.clock.until_sleeps_started(before + 1))
            .await
            .expect("invariant 1: the scheduler never went back to sleep");
    }

    /// Let `by` of time pass, waking the scheduler at each of its deadlines; returns its
    /// wake-ups.
    async fn run_for(&self, by: Duration) -> u64 {
        let start = self.clock.sleeps_started();
        let mut left = by;
        while !left.is_zero() {
            match self.clock.next_wake_in() {
                Some(wake) if wake <= left => {
                    let before = self.clock.sleeps_started();
                    self.clock.advance(wake);
                    left -= wake;
                    self.until_asleep(before).await;
                }
                _ => {
                    self.clock.advance(left);
                    left = Duration::ZERO;
                }
            }
        }
        self.clock.sleeps_started() - start
    }

    /// Let `minutes` pass with the scheduler running, and check it never loops: at most one
    /// wake-up and one sweep a minute (invariant 7).
    async fn pass_time(&self, minutes: u64) {
        let sweeps = self.core().sweeps_started();
        let wakeups = self.run_for(Duration::from_secs(60 * minutes)).await;
        let sweeps = (self.core().sweeps_started() - sweeps) as u64;
        check(wakeups <= minutes + 3, || {
            format!("invariant 7: {wakeups} scheduler wake-ups in {minutes} minutes")
        });
        check(sweeps <= minutes + 3, || format!("invariant 7: {sweeps} sweeps in {minutes} minutes"));
    }

    /// Create the slot's sandbox account if needed and a fresh token for it, as a sign-in
    /// would.
    fn sign_in(&mut self, slot: usize) -> (Profile, TokenRecord) {
        let world = self.sandbox.world();
        let user = self.slots[slot].user.get_or_insert_with(|| {
            world
                .create_account(&format!("slot{slot}"), "Slot", evergreen_sandbox::AccountType::Business, 3)
                .user_id
        });
        let (token, issued) =
            world.issue_token(user, TokenKind::LongLived, vec!["instagram_business_basic".into()]);
        let profile = Profile {
            network: evergreen_core::account::Network::Instagram,
            network_user_id: user.clone(),
            app_scoped_id: None,
            username: format!("slot{slot}"),
            account_type: AccountType::Business,
            profile_picture_url: None,
        };
        (
            profile,
            TokenRecord {
                network: evergreen_core::account::Network::Instagram,
                token: AccessToken::new(token),
                issued_at: issued.issued_at,
                expires_at: issued.expires_at,
            },
        )
    }

    /// Apply one operation (boxed: `Both` recurses).
    fn apply<'a>(&'a mut self, op: &'a Op) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            STEPS.fetch_add(1, Ordering::Relaxed);
            match op {
                Op::Both(a, b, staggered) => self.both(a, b, *staggered).await,
                Op::Race(a, b) => {
                    self.clock.jump_wall(Duration::from_secs(30 * 3600));
                    self.both(a, b, true).await;
                }
                Op::Run(minutes) => self.pass_time(u64::from(*minutes)).await,
                Op::Suspend(hours) => {
                    self.clock.jump_wall(Duration::from_secs(3600 * u64::from(*hours)));
                    // Noticed within the scheduler's longest sleep.
                    self.pass_time(evergreen_core::refresh::RECHECK.as_secs() / 60).await;
                }
                Op::ClockBack(minutes) => {
                    self.clock.jump_wall_back(Duration::from_secs(60 * u64::from(*minutes)));
                    self.pass_time(evergreen_core::refresh::RECHECK.as_secs() / 60).await;
                }
                Op::QuitAndReopen => {
                    let was_unlocked = self.core().vault_state() == VaultState::Unlocked;
                    let saved = tokio::time::timeout(HANG, self.core().shutdown(std::future::pending()))
                        .await
                        .expect("invariant 1: quit hung");
                    if saved.is_err() || self.saves.remaining() > 0 {
                        self.excuse_all_kept();
                    }
                    self.stop_scheduler().await;
                    self.core = None;
                    self.open();
                    let started = tokio::time::timeout(HANG, self.core().unlock_at_start())
                        .await
                        .expect("invariant 1: the start's unlock hung");
                    self.check_start_unlock(&started).await;
                    let opened = matches!(started, StartUnlock::Unlocked(_));
                    if was_unlocked && !opened {
                        self.core().unlock(pass(PASS)).await.expect("unlock after reopen");
                    }
                    self.unlocked = was_unlocked || opened;
                    self.start_scheduler().await;
                }
                _ => {
                    let before = self.clock.sleeps_started();
                    let woke = self.single(op).await;
                    if woke {
                        self.until_asleep(before).await;
                    }
                }
            }
        })
    }

    /// Invariant 8, at a start.
    async fn check_start_unlock(&self, started: &StartUnlock) {
        CHECKS.fetch_add(1, Ordering::Relaxed);
        let keyring_locked = self.keyring.locked.load(Ordering::SeqCst);
        let state = self.core().vault_state();
        let fallback = self.core().auto_unlock().await.expect("auto-unlock status").fallback;
        match (self.auto_unlock, keyring_locked) {
            (true, false) => {
                check(matches!(started, StartUnlock::Unlocked(_)) && state == VaultState::Unlocked, || {
                    format!("invariant 8: automatic unlock on, keyring open, and the start gave {started:?}")
                })
            }
            (true, true) => check(
                matches!(started, StartUnlock::NeedsPassphrase(why) if why.starts_with("Your login keyring was locked"))
                    && state == VaultState::Locked
                    && fallback.is_some(),
                || {
                    format!(
                        "invariant 8: a locked keyring at start gave {started:?}, {state:?}, {fallback:?}"
                    )
                },
            ),
            (false, _) => check(*started == StartUnlock::NotTried && state == VaultState::Locked, || {
                format!("invariant 8: automatic unlock off, and the start gave {started:?}")
            }),
        }
    }

    fn excuse_all_kept(&mut self) {
        for slot in self.slots.iter_mut().filter(|s| s.kept) {
            slot.excused = true;
        }
    }

    /// Two operations at once. Sign-ins are prepared first (they only touch the sandbox).
    /// Staggered, the second waits (on the sandbox, not a timer) until the first has a call
    /// in flight, so it lands inside it.
    async fn both(&mut self, a: &Op, b: &Op, staggered: bool) {
        let before = self.clock.sleeps_started();
        let prepared_a = self.prepare(a);
        let prepared_b = self.prepare(b);
        let core = self.core().clone();
        let world = self.sandbox.world().clone();
        let (ra, rb) = tokio::time::timeout(HANG, async {
            let first = run_on(&core, a, prepared_a);
            tokio::pin!(first);
            let mut first_done = None;
            if staggered {
                loop {
                    tokio::select! {
                        biased;
                        done = &mut first => { first_done = Some(done); break; }
                        () = tokio::task::yield_now() => {
                            if world.stats().in_flight > 0 {
                                break;
                            }
                        }
                    }
                }
            }
            match first_done {
                Some(done) => (done, run_on(&core, b, prepared_b).await),
                None => tokio::join!(first, run_on(&core, b, prepared_b)),
            }
        })
        .await
        .expect("invariant 1: two operations at once never finished");
        let woke_a = self.record(a, ra);
        let woke_b = self.record(b, rb);
        // A connect and a disconnect of one account at once: either may have come last, and
        // the person sees whichever did. The model takes what the list shows.
        if let (Op::Connect(x), Op::Disconnect(y)) | (Op::Disconnect(y), Op::Connect(x)) = (a, b)
            && x == y
        {
            let listed = account_of(&core, *x).is_some();
            let slot = &mut self.slots[*x];
            slot.kept = listed;
            slot.gone = !listed && slot.id.is_some();
        }
        // Turned on and off at once: one waited for the other, and Settings shows the last.
        if let (Op::AutoUnlock(x), Op::AutoUnlock(y)) = (a, b)
            && x != y
        {
            self.auto_unlock = core.auto_unlock().await.is_ok_and(|a| a.enabled);
        }
        if woke_a || woke_b {
            self.until_asleep(before).await;
        }
    }

    fn prepare(&mut self, op: &Op) -> Option<(Profile, TokenRecord)> {
        match op {
            Op::Connect(slot) => Some(self.sign_in(*slot)),
            _ => None,
        }
    }

    async fn single(&mut self, op: &Op) -> bool {
        let prepared = self.prepare(op);
        let core = self.core().clone();
        let result = tokio::time::timeout(HANG, run_on(&core, op, prepared))
            .await
            .unwrap_or_else(|_| panic!("invariant 1: {op:?} never finished"));
        self.record(op, result)
    }

    /// Update the model with what an operation did; returns whether it woke the scheduler.
    fn record(&mut self, op: &Op, result: Outcome) -> bool {
        match (op, result) {
            (Op::Connect(slot), Outcome::Connected(Ok(id))) => {
                let s = &mut self.slots[*slot];
                // A reconnect keeps the label; a new connection has none yet.
                if s.id != Some(id) {
                    s.label = None;
                }
                s.id = Some(id);
                s.kept = true;
                s.gone = false;
                s.excused = false;
                true
            }
            (Op::Connect(slot), Outcome::Connected(Err(_))) => {
                // Refused (locked) or failed half-way: the person was told; the token may be
                // in the vault without a row, to be listed again at the next unlock.
                let s = &mut self.slots[*slot];
                if s.kept {
                    s.excused = true;
                }
                s.label_unsure = true;
                false
            }
            (Op::Disconnect(slot), Outcome::Done(Ok(()))) => {
                let s = &mut self.slots[*slot];
                s.label = None;
                if s.kept {
                    s.kept = false;
                    s.gone = true;
                }
                false
            }
            (Op::Disconnect(slot), Outcome::Done(Err(_))) => {
                self.slots[*slot].excused = true;
                self.slots[*slot].label_unsure = true;
                false
            }
            // Refused (a failing disk, an account gone meanwhile): nothing changed.
            (Op::Label(slot, on), Outcome::Done(Ok(()))) => {
                self.slots[*slot].label = on.then(|| label_of(*slot));
                false
            }
            (Op::Unlock, Outcome::Done(Ok(()))) => {
                self.unlocked = true;
                self.just_unlocked = true;
                true
            }
            (Op::Lock, Outcome::Done(result)) => {
                if result.is_err() || self.saves.remaining() > 0 {
                    // A renewal the vault refused is lost with the key.
                    self.excuse_all_kept();
                }
                self.unlocked = false;
                false
            }
            (Op::FailWrites(_), _) => {
                self.write_faults = true;
                false
            }
            // On only when it worked; off whatever the keyring said (the wrap goes first).
            (Op::AutoUnlock(true), Outcome::Done(Ok(()))) => {
                self.auto_unlock = true;
                false
            }
            (Op::AutoUnlock(false), _) => {
                self.auto_unlock = false;
                false
            }

            (Op::Instagram(kind, _), _) => {
                self.permission_faults |= matches!(kind, SandboxFault::Permission);
                false
            }
            (Op::Revoke(slot), _) => {
                self.slots[*slot].excused = true;
                false
            }
            _ => false,
        }
    }

    /// Invariant 9, locked or not (labels are metadata).
    fn check_labels(&self, core: &Evergreen, after: &Op) -> Result<(), TestCaseError> {
        let Ok((accounts, labels)) = core.store().read(|r| Ok((r.accounts()?, r.labels()?))) else {
            // A failing disk: nothing to read now.
            return Ok(());
        };
        let listed: HashSet<AccountId> = accounts.iter().map(|a| a.id).collect();
        CHECKS.fetch_add(1, Ordering::Relaxed);
        prop_assert!(
            labels.keys().all(|id| listed.contains(id)),
            "invariant 9: a label outlived its account (after {after:?})"
        );
        for slot in self.slots.iter().filter(|s| s.kept && !s.label_unsure) {
            let Some(id) = slot.id.filter(|id| listed.contains(id)) else { continue };
            let shown = labels.get(&id).map(|l| l.as_str().to_owned());
            prop_assert_eq!(&shown, &slot.label, "invariant 9: the label shown (after {:?})", after);
        }
        Ok(())
    }

    /// Every invariant that can be checked from outside, now.
    async fn check_invariants(&mut self, after: &Op) -> Result<(), TestCaseError> {
        let core = self.core().clone();
        let unlocked_now = std::mem::take(&mut self.just_unlocked);
        let calls = self.sandbox.world().calls(self.calls_seen);
        if let Some(last) = calls.last() {
            self.calls_seen = last.seq;
        }
        for call in calls.iter().filter(|c| c.endpoint == "refresh") {
            let age = call.token_age_secs.unwrap_or(i64::MAX);
            prop_assert!(age >= 24 * 3600, "invariant 6: a renewal of a token {age} s old (after {after:?})");
            CHECKS.fetch_add(1, Ordering::Relaxed);
        }
        // Settings shows what the person chose last (a write that failed says so and keeps the
        // earlier choice).
        if matches!(after, Op::AutoUnlock(_) | Op::Both(..) | Op::Race(..)) {
            CHECKS.fetch_add(1, Ordering::Relaxed);
            let shown = core.auto_unlock().await.map(|a| a.enabled);
            prop_assert!(
                shown.as_ref().is_ok_and(|on| *on == self.auto_unlock),
                "invariant 8: Settings shows {shown:?}, the person chose {} (after {after:?})",
                self.auto_unlock
            );
        }
        self.check_labels(&core, after)?;
        if core.vault_state() != VaultState::Unlocked {
            return Ok(());
        }
        // Whatever is staged becomes durable (if the disk lets it), as Quit would make it.
        let durable = core.save_now().await.is_ok()
            && self.saves.remaining() == 0
            && core.store().failing_writes() == 0;
        let side = StrongholdVault::with_kdf(&self.data(), CHEAP_KDF);
        side.unlock(&pass(PASS)).map_err(|e| TestCaseError::fail(format!("the vault does not open: {e}")))?;
        let in_vault: BTreeMap<AccountId, TokenRecord> =
            side.accounts().unwrap().into_iter().map(|id| (id, side.get(&id).unwrap().unwrap())).collect();
        side.lock();
        let rows = core.store().read(|r| r.accounts()).unwrap();
        let now = self.clock.now();
        let world = self.sandbox.world();
        let honoured = |record: &TokenRecord| {
            world.token(record.token.expose()).is_some_and(|t| t.revoked.is_none() && t.expires_at > now)
        };
        for slot in &self.slots {
            let Some(id) = slot.id else { continue };
            if slot.gone {
                CHECKS.fetch_add(1, Ordering::Relaxed);
                prop_assert!(
                    !rows.iter().any(|r| r.id == id),
                    "invariant 3: a disconnected account is listed"
                );
                if durable {
                    prop_assert!(
                        !in_vault.contains_key(&id),
                        "invariant 3: a disconnected account's token is back"
                    );
                }
            }
            if slot.kept && !slot.excused && durable {
                CHECKS.fetch_add(1, Ordering::Relaxed);
                let row = rows.iter().find(|r| r.id == id);
                prop_assert!(row.is_some(), "invariant 2: a kept account disappeared (after {after:?})");
                let row = row.unwrap();
                let token = in_vault.get(&id);
                let expired = row.token_expires_at <= now;
                if !expired {
                    prop_assert!(
                        token.is_some_and(&honoured),
                        "invariant 2: @{} holds no token Instagram honours (row {row:?}, after {after:?})",
                        row.username
                    );
                }
            }
        }
        for row in &rows {
            CHECKS.fetch_add(1, Ordering::Relaxed);
            if row.status == AccountStatus::NeedsReconnect
                && let Some(token) = in_vault.get(&row.id)
            {
                let confirmed_refusal =
                    self.permission_faults && row.status_reason == Some(StatusReason::PermissionMissing);
                prop_assert!(
                    !honoured(token) || confirmed_refusal,
                    "invariant 4: @{} needs a reconnect while Instagram honours its token (after {after:?})",
                    row.username
                );
            }
            if durable && unlocked_now && row.status.is_alive() {
                prop_assert!(
                    in_vault.contains_key(&row.id),
                    "invariant 5: @{} is alive with no token",
                    row.username
                );
            }
        }
        if durable && unlocked_now && world.calls(0).iter().all(|c| c.fault.is_none()) && !self.write_faults {
            let listed: HashSet<AccountId> = rows.iter().map(|r| r.id).collect();
            prop_assert!(
                in_vault.keys().all(|id| listed.contains(id)),
                "invariant 5: a token without an account"
            );
        }
        Ok(())
    }

    async fn close(mut self) {
        self.stop_scheduler().await;
        self.core = None;
    }
}

fn check(ok: bool, message: impl FnOnce() -> String) {
    CHECKS.fetch_add(1, Ordering::Relaxed);
    assert!(ok, "{}", message());
}

/// What an operation returned, for the model.
enum Outcome {
    Connected(Result<AccountId, evergreen_core::Error>),
    Done(Result<(), evergreen_core::Error>),
    Nothing,
}

/// An operation on the core alone (no model), so two can run at once.
async fn run_on(core: &Evergreen, op: &Op, prepared: Option<(Profile, TokenRecord)>) -> Outcome {
    match op {
        Op::Connect(_) => {
            let (profile, record) = prepared.expect("prepared");
            let core = core.clone();
            // `save_connection` does file I/O: off the async threads, as the shell runs it.
            let saved =
                tokio::task::spawn_blocking(move || core.save_connection(profile, record)).await.unwrap();
            Outcome::Connected(saved.map(|(a, _)| a.id))
        }
        Op::Disconnect(slot) => match account_of(core, *slot) {
            Some(id) => {
                let core = core.clone();
                Outcome::Done(tokio::task::spawn_blocking(move || core.disconnect(&id)).await.unwrap())
            }
            None => Outcome::Nothing,
        },
        Op::RefreshAll => Outcome::Done(core.refresh_all().await.map(|_| ())),
        Op::RefreshNow(slot) => match account_of(core, *slot) {
            Some(id) => Outcome::Done(core.refresh_now(&id).await.map(|_| ())),
            None => Outcome::Nothing,
        },
        Op::Lock => Outcome::Done(core.lock().await),
        Op::Unlock => {
            if core.vault_state() == VaultState::Unlocked {
                return Outcome::Nothing;
            }
            Outcome::Done(core.unlock(pass(PASS)).await.map(|_| ()))
        }
        Op::FailWrites(n) => {
            core.store().fail_next_writes(*n);
            Outcome::Nothing
        }
        Op::FailSaves(_) | Op::KeyringLocked(_) => Outcome::Nothing,
        Op::Label(slot, on) => match account_of(core, *slot) {
            Some(id) => {
                let label = if *on { label_of(*slot) } else { String::new() };
                Outcome::Done(core.set_label(&id, &label))
            }
            None => Outcome::Nothing,
        },
        Op::AutoUnlock(true) => Outcome::Done(core.enable_auto_unlock(pass(PASS)).await),
        Op::AutoUnlock(false) => Outcome::Done(core.disable_auto_unlock().await),
        Op::Instagram(_, _) | Op::Revoke(_) => Outcome::Nothing,
        Op::Run(_) | Op::Suspend(_) | Op::ClockBack(_) | Op::QuitAndReopen | Op::Both(..) | Op::Race(..) => {
            unreachable!("applied by the case")
        }
    }
}

/// The product's id for the slot's account, by its handle.
fn account_of(core: &Evergreen, slot: usize) -> Option<String> {
    let name = format!("slot{slot}");
    core.store()
        .read(|r| r.accounts())
        .ok()?
        .into_iter()
        .find(|a| a.username == name)
        .map(|a| a.id.to_string())
}

async fn run_case(ops: Vec<Op>, refresh_ends_old_token: bool, latency_ms: u64) -> Result<(), TestCaseError> {
    let started = std::time::Instant::now();
    let mut case = Case::new(refresh_ends_old_token, latency_ms).await;
    spent("setup", started);
    for op in &ops {
        // Faults that only the case can reach (the sandbox and the vault's switch).
        match op {
            Op::Instagram(kind, n) => case.sandbox.world().add_fault(Fault::new(kind.kind(), *n)),
            Op::FailSaves(n) => case.saves.fail_next(*n),
            Op::KeyringLocked(locked) => case.keyring.locked.store(*locked, Ordering::SeqCst),
            Op::Revoke(slot) => {
                if let Some(user) = &case.slots[*slot].user {
                    case.sandbox.world().revoke(user, 460);
                }
            }
            Op::Both(a, b, _) => {
                for inner in [a, b] {
                    match inner.as_ref() {
                        Op::Instagram(kind, n) => case.sandbox.world().add_fault(Fault::new(kind.kind(), *n)),
                        Op::FailSaves(n) => case.saves.fail_next(*n),
                        Op::KeyringLocked(locked) => case.keyring.locked.store(*locked, Ordering::SeqCst),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        let started = std::time::Instant::now();
        case.apply(op).await;
        spent(name(op), started);
        let started = std::time::Instant::now();
        case.check_invariants(op).await?;
        spent("checks", started);
    }
    let started = std::time::Instant::now();
    case.close().await;
    spent("close", started);
    Ok(())
}

#[test]
fn a_managers_months_keep_every_promise() {
    let cases: u32 = std::env::var("EVERGREEN_SIM_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let started = std::time::Instant::now();
    let strategy = (proptest::collection::vec(op(), 1..10), any::<bool>(), prop_oneof![Just(0u64), 1u64..=8]);
    let result = runner.run(&strategy, |(ops, ends, latency)| RUNTIME.block_on(run_case(ops, ends, latency)));
    println!(
        "simulation: {cases} sequences, {} steps, {} invariant checks, in {:.1} s",
        STEPS.load(Ordering::Relaxed),
        CHECKS.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
    println!("time by step: {:?}", SPENT.lock().unwrap());
    if let Err(error) = result {
        panic!("{error}");
    }
}
