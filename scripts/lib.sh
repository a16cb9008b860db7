# What several scripts do, written once. Sourced after `cd` to the repository root:
#   . scripts/lib.sh

# rustup's cargo, for a shell that has not sourced ~/.cargo/env (CI, a fresh machine, sudo).
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# The workspace's version, as Cargo.toml declares it.
version() { sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1; }

# A desktop for a command: a virtual display (Xvfb, 1280×900, 24 bits) in a private D-Bus
# session, without the accessibility bus (nothing here listens to it; WebKit waits for it).
# An array as well as a function, for callers that run it as another user.
virtual_display=(env NO_AT_BRIDGE=1 dbus-run-session -- xvfb-run -a -s "-screen 0 1280x900x24")
in_virtual_display() { "${virtual_display[@]}" "$@"; }

# The debug app with its embedded UI, as the end-to-end tests and screenshots run it.
build_app_debug() { ui/node_modules/.bin/tauri build --debug --no-bundle; }

step() { printf '\n==> %s\n' "$*"; }
