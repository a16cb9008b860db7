#!/usr/bin/env bash
# Install what Evergreen needs on Debian 12, skipping what is already there. Run as root.
#   scripts/setup.sh          what building and running the app needs
#   scripts/setup.sh --test   also what the tests need (virtual display, WebDriver)
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=false
[[ "${1:-}" == "--test" ]] && want_tests=true

# Build: WebKitGTK 4.1, the tray's appindicator, SVG icons, xdo (tray/menus), TLS headers.
# Runtime scheme registration: xdg-utils, desktop-file-utils; `gio open`: libglib2.0-bin.
packages=(build-essential pkg-config curl ca-certificates libwebkit2gtk-4.1-dev
  libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev
  xdg-utils desktop-file-utils libglib2.0-bin)
if $want_tests; then
  # A display, a D-Bus session bus and WebKit's WebDriver for the end-to-end tests; a real
  # login keyring (and `secret-tool`, the tests' own view of it) for automatic unlock; Redis
  # for the relay's shared store (each test starts its own on a socket).
  packages+=(xvfb xauth dbus dbus-x11 webkit2gtk-driver procps gnome-keyring libsecret-tools
    redis-server)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "==> Rust: installing the stable toolchain with rustup"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  # shellcheck disable=SC1091
  source "$HOME/.cargo/env"
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 20)); then
  echo "Evergreen's UI needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "Install it (e.g. from your distribution's backports or NodeSource) and run this again." >&2
  exit 1
fi

# The UI's packages, including the Tauri CLI (@tauri-apps/cli ships it prebuilt).
if [[ ! -d ui/node_modules ]] || [[ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]]; then
  echo "==> npm: installing the UI's packages"
  npm --prefix ui ci --no-audit --no-fund --loglevel=error
fi

