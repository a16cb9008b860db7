//! Evergreen's desktop shell: Tauri wiring over `evergreen-core`.
//!
//! Everything here is thin on purpose: commands call the core once and map its error;
//! deep links, the window and (later) the tray and notifications are small modules of
//! desktop glue. Domain logic belongs in `crates/core`.

pub mod app_slot;
mod browser;
mod commands;
pub mod config;
pub mod deep_link;
pub mod demo;
pub mod error;
mod events;
#[cfg(target_os = "linux")]
mod handover;
mod memory;
pub mod models;
mod notify;
pub mod profile;
pub mod state;
mod tray;
mod window;

use std::path::PathBuf;
use std::sync::Arc;

use evergreen_core::notify::Notifier;
use evergreen_core::vault::TokenVault;
use evergreen_instagram::{Endpoints, Url};
use tauri::{App, Builder, Manager, Runtime};

use crate::app_slot::AppSlot;
use crate::config::{Config, Mode};
use crate::state::{AppState, EvergreenExt};

/// When `run` began: start-up is measured from here.
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Register every IPC command. Shared by the product and the mock-runtime tests, so both go
/// through the same handler list.
pub fn with_commands<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::app::app_info,
        commands::app::close_window,
        commands::app::page_painted,
        commands::connect::link_notices,
        commands::connect::dismiss_link_notice,
        commands::connect::start_connect,
        commands::connect::reopen_connect,
        commands::connect::cancel_connect,
        commands::connect::submit_link,
        commands::vault::create_vault,
        commands::vault::unlock_vault,
        commands::vault::lock_vault,
        commands::vault::restore_vault,
        commands::vault::reset_vault,
        commands::vault::change_passphrase,
        commands::vault::auto_unlock,
        commands::vault::set_auto_unlock,
        commands::accounts::list_accounts,
        commands::accounts::refresh_account,
        commands::accounts::refresh_all,
        commands::accounts::active_account,
        commands::accounts::set_active_account,
        commands::accounts::disconnect_account,
        commands::accounts::set_account_label,
        commands::accounts::account_profile,
        commands::accounts::account_media,
        commands::accounts::open_network,
        commands::settings::get_settings,
        commands::settings::set_refresh_policy,
        commands::settings::recent_events,
        commands::settings::set_launch_at_login,
        commands::sign_in::check_sign_in_service,
        commands::sign_in::set_sign_in_service,
        commands::sign_in::choose_mode,
    ])
}

/// What a profile's core is wired to: everything that differs between the product and the
/// mock-runtime tests.
pub struct Wiring {
    /// The token vault.
    pub vault: Box<dyn TokenVault>,
    /// The relay that connects accounts (none: no sign-in service is set up).
    pub relay: Option<Url>,
    /// Instagram (or the demo's pretend one).
    pub instagram: Endpoints,
    /// Threads (or the demo's pretend one).
    pub threads: evergreen_instagram::threads::Endpoints,
    /// Where notifications go.
    pub notifier: Arc<dyn Notifier>,
    /// The tray to keep current, when there is one.
    pub tray: Option<tray::TrayPoke>,
    /// The login keyring, for automatic unlock.
    pub keyring: Arc<dyn evergreen_core::keyring::LoginKeyring>,
}

/// Open the profile in `data_dir` over `wiring` and manage its state (the mock-runtime
/// tests' way in; the product opens its profiles in `profile::open`).
pub fn manage_state<R: Runtime>(
    app: &impl Manager<R>,
    config: Config,
    data_dir: PathBuf,
    wiring: Wiring,
) -> Result<(), evergreen_core::Error> {
    let shown = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let core =
        profile::open_core(&AppSlot::ready(app.app_handle()), &config, data_dir, wiring, shown.clone())?;
    let mode = config.mode.unwrap_or(if config.sign_in.is_some() { Mode::Real } else { Mode::Demo });
    app.manage(AppState::new(config, profile::Opened::new(core, mode, None, shown), None, false, None));
    Ok(())
}

/// Start the desktop app.
pub fn run() {
    let _ = STARTED.set(std::time::Instant::now());
    // The platform's certificate roots are read beside the start, not in the profile's way.
    std::thread::spawn(evergreen_instagram::http::prepare);
    let config = Config::load();
    init_tracing(config.log_filter.as_deref(), config.log_file.as_deref());
    let since_start = || STARTED.get().map_or(0.0, |at| at.elapsed().as_secs_f64() * 1000.0);
    tracing::debug!(since_start_ms = since_start(), "configuration read");
    let context = tauri::generate_context!();
    #[cfg(target_os = "linux")]
    if handover::to_running_instance(&context.config().identifier) {
        return;
    }
    tracing::debug!(since_start_ms = since_start(), "no running Evergreen to hand over to");
    // The profiles open (and, with automatic unlock, the vault) while Tauri starts GTK and
    // its plugins, which takes longer than both; `setup` waits for them.
    let app_slot = AppSlot::empty();
    let (poke, pokes) = tray::TrayPoke::new();
    let opening = {
        let (app, config, identifier, poke) =
            (app_slot.clone(), config.clone(), context.config().identifier.clone(), poke.clone());
        tauri::async_runtime::spawn(async move {
            profile::open_at_start(&app, &config, &identifier, Some(poke)).await
        })
    };
    let app = Builder::default()
        // Registered first: when the early hand-over (`handover.rs`) could not reach a running
        // Evergreen but one exists, a second launch hands over its argv here and exits before
        // anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            let links = deep_link::links_in(argv);
            if links.is_empty() {
                window::show(app);
            }
            for link in links {
                deep_link::deliver(app, &link);
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        // Rust-side only: the page is granted none of these plugins' permissions.
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![config::HIDDEN_FLAG]),
        ));
    let early = Early { app: app_slot, opening, poke, pokes };
    let app = with_commands(app).setup(move |app| setup(app, config, early)).build(context).unwrap_or_else(
        |error| {
            tracing::error!(%error, "Evergreen could not start");
            std::process::exit(1);
        },
    );
    app.run(|_, event| {
        // Closing the window destroys it; the app lives on in the tray until Quit (which
        // exits with a code).
        if let tauri::RunEvent::ExitRequested { api, code: None, .. } = event {
            api.prevent_exit();
        }
    });
}

/// What `run` began before the app was built: the profiles opening, wired to `app`.
struct Early<R: Runtime> {
    app: AppSlot<R>,
    opening:
        tauri::async_runtime::JoinHandle<Result<profile::AtStart, Box<dyn std::error::Error + Send + Sync>>>,
    poke: tray::TrayPoke,
    pokes: tokio::sync::mpsc::Receiver<()>,
}

fn setup<R: Runtime>(
    app: &mut App<R>,
    config: Config,
    early: Early<R>,
) -> Result<(), Box<dyn std::error::Error>> {
    for problem in &config.problems {
        tracing::warn!(%problem, "configuration");
    }
    let Early { app: app_slot, opening, poke, pokes } = early;
    app_slot.fill(app.handle());
    let hidden = config.start_hidden;
    let profile::AtStart { start, shown, behind } =
        tauri::async_runtime::block_on(opening)?.map_err(|e| e as Box<dyn std::error::Error>)?;
    app.manage(AppState::new(config, shown, behind, start.first_run, Some(poke)));
    // Renewals first (with automatic unlock, the keyring's answer): they run on the async
    // threads while this one builds the window and the tray.
    app.evergreen().opened().start_scheduler(app.handle());
    if let Some(behind) = app.evergreen().behind() {
        behind.start_scheduler(app.handle());
    }
    // The window first: WebKit's processes start while the rest is set up (and the tray waits
    // for its first paint). Started at login: stay in the tray until asked.
    if !hidden {
        window::show(app.handle());
    }
    let installed = std::env::current_exe().is_ok_and(|exe| deep_link::installed_by_package(&exe));
    if app.evergreen().config.appimage || !installed {
        register_scheme(app);
    }
    if hidden {
        if let Err(error) = tray::start(app.handle(), pokes) {
            // No tray host (or no appindicator): the window and the scheduler still work.
            tracing::warn!(%error, "no tray icon");
        }
    } else {
        tray::start_after_first_paint(app.handle(), pokes);
    }
    // Logout (or `kill`) asks politely: quit as from the tray.
    let handle = app.handle().clone();
    tauri::async_runtime::spawn(async move {
        if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            term.recv().await;
            tracing::info!("SIGTERM: quitting");
            tray::quit(&handle);
        }
    });
    // Cold start: the OS put the link in our own argv.
    for link in deep_link::links_in(std::env::args()) {
        deep_link::deliver(app.handle(), &link);
    }
    Ok(())
}
/// Installed packages register the scheme through their `.desktop` file; a development build
/// or an AppImage registers itself so that links reach it too. Registering runs
/// `update-desktop-database` and `xdg-mime` (~80 ms of CPU), so it runs beside the window's
/// start-up, at the lowest CPU priority, so that it does not take a core from the first paint.
fn register_scheme<R: Runtime>(app: &App<R>) {
    use tauri_plugin_deep_link::DeepLinkExt;
    let handle = app.handle().clone();
    std::thread::spawn(move || {
        yield_cpu_to_others();
        if let Err(error) = handle.deep_link().register_all() {
            tracing::warn!(%error, "could not register the app.evergreen: scheme with the desktop");
        }
    });
}

/// Lowest CPU priority for the calling thread and the processes it starts: on Linux the nice
/// value belongs to the thread, and a child inherits its parent thread's.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn yield_cpu_to_others() {
    // SAFETY: plain syscall on the calling thread (`who` 0); no memory is passed.
    if unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 19) } != 0 {
        tracing::debug!(error = %std::io::Error::last_os_error(), "could not lower this thread's priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn yield_cpu_to_others() {}

/// Logs go to stderr, and also to `log_file` when one is configured (support requests,
/// end-to-end tests). The deep-link plugin is kept quiet: it prints the arguments it skips,
/// and a launch argument may be a link carrying a handoff id.
fn init_tracing(filter: Option<&str>, log_file: Option<&std::path::Path>) {
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = EnvFilter::try_new(filter.unwrap_or("info"))
        .unwrap_or_else(|_| EnvFilter::new("info"))
        .add_directive("tauri_plugin_deep_link=error".parse().expect("static directive"));
    let file = log_file.and_then(|path| {
        use std::os::unix::fs::OpenOptionsExt;
        // The user's alone, like the profile: a log names accounts and what happened to them.
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
            .and_then(|file| {
                // An older log may have been made readable by others.
                file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
                Ok(file)
            })
            .inspect_err(|e| eprintln!("evergreen: cannot write the log file {}: {e}", path.display()))
            .ok()
    });
    let to_file =
        file.map(|f| tracing_subscriber::fmt::layer().with_ansi(false).with_writer(std::sync::Mutex::new(f)));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(to_file)
        .try_init();
}
