//! A prototype, not a product: the smallest honest version of a webview-free tray agent, to
//! measure what Evergreen would weigh with its window closed if the window were a separate
//! process started on demand. It runs the real core (vault, store, scheduler, notification
//! policy) and a real tray built from `core::tray::model`, with GTK's main loop and no WebKit.
//!
//! What it leaves out, and a product would need: unlocking without a window (here the
//! passphrase comes from `EVERGREEN_AGENT_PASSPHRASE`, unacceptable outside a benchmark),
//! IPC between the agent and the window process, and single-instance hand-over of deep links.
//! *Open Evergreen* starts the window process given in `EVERGREEN_AGENT_WINDOW`, if any.
//!
//! Prints "agent ready" once unlocked, its tray built and its heap trimmed.

use std::sync::Arc;

use evergreen_core::clock::SystemClock;
use evergreen_core::notify::{Notification, Notifier};
use evergreen_core::paths::DataDir;
use evergreen_core::tray::TrayItem;
use evergreen_core::vault::{Passphrase, StrongholdVault};
use evergreen_core::{Evergreen, Setup, ignore_changes};
use evergreen_instagram::{Endpoints, Url};
use tray_icon::menu::{CheckMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tray_icon::{Icon, TrayIconBuilder};

struct Desktop;

impl Notifier for Desktop {
    fn notify(&self, n: &Notification) {
        let _ = notify_rust::Notification::new().appname("Evergreen").summary(&n.title).body(&n.body).show();
    }
}

fn menu(core: &Evergreen) -> Menu {
    let menu = Menu::new();
    let Ok(model) = core.tray_model() else { return menu };
    for item in model.items {
        let _ = match item {
            TrayItem::Label(text) => menu.append(&MenuItem::new(text, false, None)),
            TrayItem::Account { label, active, .. } => {
                menu.append(&CheckMenuItem::new(label, true, active, None))
            }
            TrayItem::Separator => menu.append(&PredefinedMenuItem::separator()),
            TrayItem::AllAccounts { label, .. } => menu.append(&MenuItem::with_id("open", label, true, None)),
            TrayItem::RefreshAll { enabled } => {
                menu.append(&MenuItem::with_id("refresh_all", "Refresh all", enabled, None))
            }
            TrayItem::Open => menu.append(&MenuItem::with_id("open", "Open Evergreen", true, None)),
            TrayItem::Lock => menu.append(&MenuItem::with_id("lock", "Lock", true, None)),
            TrayItem::Unlock => menu.append(&MenuItem::with_id("open", "Unlock…", true, None)),
            TrayItem::Quit { label } => menu.append(&MenuItem::with_id("quit", label, true, None)),
        };
    }
    menu
}

#[allow(unsafe_code)]
fn trim_heap() {
    // SAFETY: malloc_trim only walks glibc's own arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn main() {
    let data = std::env::var("EVERGREEN_DATA_DIR").expect("EVERGREEN_DATA_DIR");
    let passphrase = std::env::var("EVERGREEN_AGENT_PASSPHRASE").expect("EVERGREEN_AGENT_PASSPHRASE");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let data = DataDir::new(data);
    // The profile's own directory for the icon file, as Evergreen does (the library's
    // fallback, /tmp/tray-icon, may belong to another user).
    let icons = data.root().join("tray-icon");
    let relay = Url::parse("http://127.0.0.1:9/").unwrap();
    let core = Evergreen::open(Setup {
        vault: Box::new(StrongholdVault::new(&data)),
        data_dir: data,
        clock: Arc::new(SystemClock),
        sink: ignore_changes(),
        instagram: Endpoints::single_host(&relay),
        threads: evergreen_instagram::threads::Endpoints::single_host(&relay),
        relay: Some(relay),
        instagram_timeout: None,
        notifier: Arc::new(Desktop),
        flow_ttl: None,
        keyring: evergreen_core::keyring::none(),
    })
    .expect("profile opens");
    runtime.block_on(core.unlock(Passphrase::new(passphrase))).expect("unlocked");
    runtime.spawn(core.clone().run_scheduler());

    gtk::init().expect("GTK");
    let icon = {
        let image = include_bytes!("../../../icons/32x32.png");
        let decoder = png_rgba(image);
        Icon::from_rgba(decoder.0, decoder.1, decoder.2).expect("icon")
    };
    let _tray = TrayIconBuilder::new()
        .with_icon(icon)
        .with_temp_dir_path(icons)
        .with_menu(Box::new(menu(&core)))
        .build()
        .expect("tray");
    let window = std::env::var("EVERGREEN_AGENT_WINDOW").ok();
    let handle = runtime.handle().clone();
    MenuEvent::set_event_handler(Some(move |event: MenuEvent| match event.id.as_ref() {
        "open" => {
            if let Some(window) = &window {
                let _ = std::process::Command::new(window).spawn();
            }
        }
        "refresh_all" => {
            let core = core.clone();
            handle.spawn(async move {
                let _ = core.refresh_all().await;
            });
        }
        "lock" => {
            let core = core.clone();
            handle.spawn(async move {
                let _ = core.lock().await;
            });
        }
        "quit" => gtk::main_quit(),
        _ => {}
    }));
    trim_heap();
    eprintln!("agent ready");
    gtk::main();
}

/// Decode the PNG icon with GDK (already loaded for GTK): RGBA bytes, width, height.
fn png_rgba(bytes: &[u8]) -> (Vec<u8>, u32, u32) {
    use gtk::gdk_pixbuf::{Pixbuf, PixbufLoader};
    use gtk::prelude::PixbufLoaderExt;
    let loader = PixbufLoader::new();
    loader.write(bytes).expect("png");
    loader.close().expect("png");
    let pixbuf: Pixbuf = loader.pixbuf().expect("pixbuf").add_alpha(false, 0, 0, 0).expect("alpha");
    let (w, h) = (pixbuf.width() as u32, pixbuf.height() as u32);
    (pixbuf.read_pixel_bytes().to_vec(), w, h)
}
