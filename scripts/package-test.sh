#!/usr/bin/env bash
# Install the packages built by scripts/package.sh into this machine (as root) and prove
# they work as installed: the desktop entry registers the app.evergreen: scheme, and
# `xdg-open app.evergreen:/…` reaches the installed app in a D-Bus session under Xvfb; with
# /etc/evergreen/config.toml pointing at a sign-in service (a relay in front of the sandbox,
# started by the test on loopback) the installed app starts in real mode and connects an
# account end to end, its link coming back through xdg-open, and a user's config.toml wins
# over the system's; the relay starts from its packaged configuration and answers /healthz.
set -euo pipefail
cd "$(dirname "$0")/.."
# Cargo and rustup stay where they are when HOME becomes a new user's below.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
. scripts/lib.sh
version=$(version)

step "install evergreen_${version}_amd64.deb"
apt-get install -y -qq "./target/packages/evergreen_${version}_amd64.deb" >/dev/null
# A user who never ran Evergreen (development builds register a handler in the real home).
HOME=$(mktemp -d); export HOME
unset XDG_DATA_HOME XDG_CONFIG_HOME
entry=/usr/share/applications/Evergreen.desktop
desktop-file-validate "$entry"
grep -qx 'MimeType=x-scheme-handler/app.evergreen' "$entry"
grep -qx 'Exec=evergreen %u' "$entry"
handler=$(xdg-mime query default x-scheme-handler/app.evergreen)
[[ "$handler" == Evergreen.desktop ]] || { echo "scheme handler is '$handler'" >&2; exit 1; }
# The system configuration ships commented, as a conffile (an upgrade keeps IT's edits).
grep -q '^# sign_in_service = ' /etc/evergreen/config.toml
dpkg-query --showformat='${Conffiles}\n' --show evergreen | grep -q ' /etc/evergreen/config.toml '
# The binary loads WebKitGTK on its first call (src-tauri/src/lazy_webkit.rs), so nothing in it
# tells the package system it needs the library: the package must say so itself.
dpkg-query --showformat='${Depends}\n' --show evergreen | grep -qE '(^|, )libwebkit2gtk-4\.1-0(,|$| )'
! readelf -d /usr/bin/evergreen | grep -qE 'NEEDED.*(libwebkit2gtk|libjavascriptcoregtk|libsoup-3)'

step "xdg-open app.evergreen:/… reaches the installed app"
in_virtual_display bash -euo pipefail -c '
  dir=$(mktemp -d); log="$dir/app.log"
  EVERGREEN_DATA_DIR="$dir/data" EVERGREEN_LOG=info NO_COLOR=1 /usr/bin/evergreen --hidden 2>"$log" &
  app=$!
  for _ in $(seq 100); do grep -q "starting" "$log" && break; sleep 0.2; done
  # A well-formed link for a sign-in this app never started: it must arrive and be refused.
  timeout 30 xdg-open "app.evergreen:/oauth/instagram?handoff=h0000000000000000000000&state=s0000000000000000000000"
  for _ in $(seq 150); do grep -q "link_not_ours" "$log" && break; sleep 0.2; done
  kill -TERM "$app"; wait "$app" || true
  if ! grep -q "link_not_ours" "$log"; then cat "$log" >&2; echo "the link never reached the app" >&2; exit 1; fi
  if grep -q "h0000000000000000000000" "$log"; then echo "the handoff id was logged" >&2; exit 1; fi
  echo "the installed app received the link and refused it (link_not_ours), as it should"
'

step "real mode from /etc/evergreen/config.toml: connect an account end to end through xdg-open"
cargo build -p evergreen-e2e --tests --quiet
EVERGREEN_E2E_APP=/usr/bin/evergreen in_virtual_display cargo test -p evergreen-e2e --test e2e -- --ignored --exact \
  installed::installed_the_system_config_connects_real_accounts_through_xdg_open

step "install evergreen-relay_${version}_amd64.deb"
apt-get install -y -qq "./target/packages/evergreen-relay_${version}_amd64.deb" >/dev/null
[[ $(stat -c %a /etc/evergreen-relay/secret.env) == 600 ]]
INSTAGRAM_CLIENT_SECRET=test RELAY_LISTEN=127.0.0.1:18788 \
  /usr/bin/evergreen-relay --config /etc/evergreen-relay/relay.toml 2>/tmp/relay.log &
relay=$!
ok=
for _ in $(seq 50); do
  if curl -fsS http://127.0.0.1:18788/healthz 2>/dev/null | grep -q '"status":"ok"'; then ok=1; break; fi
  sleep 0.2
done
kill -TERM "$relay"; wait "$relay" || true
[[ -n "$ok" ]] || { cat /tmp/relay.log >&2; echo "the packaged relay did not answer /healthz" >&2; exit 1; }
echo "the packaged relay answered /healthz"
