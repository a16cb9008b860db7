//! A stand-in for a desktop panel's tray, so tests and benchmarks can use the tray menu as a
//! person does. It owns `org.kde.StatusNotifierWatcher` on the session bus (the service
//! KDE, GNOME's AppIndicator extension, XFCE and others run), so an app's tray icon registers
//! with it, and it clicks menu items through the app's `com.canonical.dbusmenu` export, the
//! way a panel forwards a click on its copy of the menu.
//!
//! The watcher has to exist before the app builds its tray: start the host first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zbus::blocking::{Connection, Proxy};
use zbus::message::Header;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

const WATCHER: &str = "org.kde.StatusNotifierWatcher";

/// A registered tray icon: the bus connection that owns it and its object path.
#[derive(Clone, Debug)]
struct Item {
    owner: String,
    path: String,
}

struct Watcher {
    items: Arc<Mutex<Vec<Item>>>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    /// `service` is the item's object path on the caller's connection (libappindicator) or a
    /// bus name serving the item at the usual path (other implementations).
    fn register_status_notifier_item(&self, service: &str, #[zbus(header)] header: Header<'_>) {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        let item = if service.starts_with('/') {
            Item { owner: sender, path: service.to_string() }
        } else {
            Item { owner: service.to_string(), path: "/StatusNotifierItem".into() }
        };
        self.items.lock().expect("items").push(item);
    }

    fn register_status_notifier_host(&self, _service: &str) {}

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items.lock().expect("items").iter().map(|i| format!("{}{}", i.owner, i.path)).collect()
    }

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }
}

/// The panel stand-in; gives the watcher name up when dropped.
pub struct TrayHost {
    connection: Connection,
    items: Arc<Mutex<Vec<Item>>>,
}

/// One entry of a dbusmenu layout: id, properties, children.
type Layout = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);

impl TrayHost {
    /// Own the watcher on the session bus.
    pub fn start() -> zbus::Result<Self> {
        let items = Arc::new(Mutex::new(Vec::new()));
        let connection = zbus::blocking::connection::Builder::session()?
            .name(WATCHER)?
            .serve_at("/StatusNotifierWatcher", Watcher { items: items.clone() })?
            .build()?;
        Ok(Self { connection, items })
    }

    /// Click the first enabled item whose label starts with `label` in the tray menu of
    /// process `pid` (its newest icon), waiting up to `timeout` for the icon and the item.
    pub fn click(&self, pid: u32, label: &str, timeout: Duration) -> Result<(), String> {
        let started = Instant::now();
        loop {
            match self.try_click(pid, label) {
                Ok(()) => return Ok(()),
                Err(e) if started.elapsed() >= timeout => return Err(e),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// Every label of the tray menu of process `pid`, top to bottom.
    pub fn labels(&self, pid: u32) -> Result<Vec<String>, String> {
        let (_, root) = self.menu_of(pid)?;
        let mut labels = Vec::new();
        // No label starts with NUL: the search passes, and so lists, every item.
        let _ = find(&root, "\0", &mut labels);
        Ok(labels)
    }

    fn try_click(&self, pid: u32, label: &str) -> Result<(), String> {
        let (menu, root) = self.menu_of(pid)?;
        let mut labels = Vec::new();
        let id = find(&root, label, &mut labels)
            .ok_or_else(|| format!("no '{label}…' in the tray menu: {}", labels.join(" | ")))?;
        let _: () =
            menu.call("Event", &(id, "clicked", Value::I32(0), 0u32)).map_err(|e| format!("click: {e}"))?;
        Ok(())
    }

    fn menu_of(&self, pid: u32) -> Result<(Proxy<'_>, Layout), String> {
        let item = self.item_of(pid)?;
        let icon =
            Proxy::new(&self.connection, item.owner.clone(), item.path.clone(), "org.kde.StatusNotifierItem")
                .map_err(|e| e.to_string())?;
        let menu_path: OwnedObjectPath =
            icon.get_property("Menu").map_err(|e| format!("menu of the icon: {e}"))?;
        let menu = Proxy::new(&self.connection, item.owner, menu_path, "com.canonical.dbusmenu")
            .map_err(|e| e.to_string())?;
        let (_revision, root): (u32, Layout) = menu
            .call("GetLayout", &(0i32, -1i32, Vec::<String>::new()))
            .map_err(|e| format!("menu layout: {e}"))?;
        Ok((menu, root))
    }

    /// The newest icon registered by a connection of process `pid`.
    fn item_of(&self, pid: u32) -> Result<Item, String> {
        let items = self.items.lock().expect("items").clone();
        let dbus = zbus::blocking::fdo::DBusProxy::new(&self.connection).map_err(|e| e.to_string())?;
        items
            .into_iter()
            .rev()
            .find(|item| {
                item.owner
                    .as_str()
                    .try_into()
                    .ok()
                    .and_then(|name| dbus.get_connection_unix_process_id(name).ok())
                    == Some(pid)
            })
            .ok_or_else(|| format!("no tray icon of process {pid}"))
    }
}

/// The id of the first enabled item whose label starts with `label` (mnemonic underscores
/// ignored); every label passed on the way goes to `seen`, for the error message.
fn find(entry: &Layout, label: &str, seen: &mut Vec<String>) -> Option<i32> {
    let (id, properties, children) = entry;
    let text = properties.get("label").and_then(|v| <&str>::try_from(&**v).ok()).map(|l| l.replace('_', ""));
    let enabled = properties.get("enabled").and_then(|v| bool::try_from(&**v).ok()).unwrap_or(true);
    if let Some(text) = text {
        if enabled && text.starts_with(label) {
            return Some(*id);
        }
        seen.push(text);
    }
    children.iter().find_map(|child| {
        let child: Layout = child.try_clone().ok()?.try_into().ok()?;
        find(&child, label, seen)
    })
}
