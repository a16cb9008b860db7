//! A second launch (the app menu while Evergreen runs in the tray, a link the desktop opens)
//! hands its arguments to the running Evergreen and exits. The single-instance plugin does
//! the same, but only after Tauri has started GTK and loaded the window's libraries; asked
//! first, before any of that, the hand-over is what makes reopening quick. Anything unexpected
//! (no session bus, no Evergreen running, a plugin speaking another protocol) falls through to
//! a normal start, where the plugin decides as before.

/// The plugin's D-Bus interface (tauri-plugin-single-instance, `platform_impl/linux.rs`).
const INTERFACE: &str = "org.SingleInstance.DBus";

/// The bus name and object path the plugin serves for an app `identifier`.
fn address(identifier: &str) -> (String, String) {
    let name = format!("{identifier}.SingleInstance");
    let path = format!("/{}", name.replace('.', "/").replace('-', "_"));
    (name, path)
}

/// Give this launch's arguments to a running Evergreen. True when it took them: this process
/// has nothing left to do.
pub fn to_running_instance(identifier: &str) -> bool {
    let (name, path) = address(identifier);
    let Ok(connection) = zbus::blocking::Connection::session() else { return false };
    let running = (|| -> zbus::Result<bool> {
        let dbus = zbus::blocking::fdo::DBusProxy::new(&connection)?;
        Ok(dbus.name_has_owner(name.as_str().try_into()?)?)
    })()
    .unwrap_or(false);
    if !running {
        return false;
    }
    let argv: Vec<String> = std::env::args_os().map(|arg| arg.to_string_lossy().into_owned()).collect();
    let cwd = std::env::current_dir().unwrap_or_default().to_string_lossy().into_owned();
    match connection.call_method(
        Some(name.as_str()),
        path.as_str(),
        Some(INTERFACE),
        "ExecuteCallback",
        &(argv, cwd),
    ) {
        Ok(_) => true,
        Err(error) => {
            // Never the arguments: a link carries a handoff id.
            tracing::debug!(%error, "early hand-over failed; starting normally");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_is_the_plugins() {
        assert_eq!(
            address("app.evergreen.desktop"),
            ("app.evergreen.desktop.SingleInstance".into(), "/app/evergreen/desktop/SingleInstance".into())
        );
        assert_eq!(address("my-app.x").1, "/my_app/x/SingleInstance");
    }
}
