#!/usr/bin/env bash
# Build the installable packages into target/packages/:
#   * evergreen_<version>_amd64.deb — the app (Tauri bundler): binary, icons, desktop entry
#     registering the app.evergreen: scheme (MimeType=x-scheme-handler/app.evergreen, Exec … %u),
#     and a commented /etc/evergreen/config.toml (a conffile: an upgrade keeps IT's edits);
#   * evergreen-relay_<version>_amd64.deb — the relay binary, its systemd unit and a sample
#     configuration (packaging/relay/);
#   * with --appimage, the AppImage too. The Tauri bundler downloads linuxdeploy from GitHub
#     for it, so it needs a network that reaches GitHub.
# --debug packages the debug build (CI's install test reuses the end-to-end build).
# --relay-url https://… bakes the publisher's sign-in service in as the default (the
# environment, the user's and the system's config.toml still win over it).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

profile=release; tauri_flags=(); cargo_flags=(--release); bundles=deb
usage="usage: scripts/package.sh [--debug] [--appimage] [--relay-url https://signin.example.com]"
relay_url=
while (($#)); do
  case "$1" in
    --debug) profile=debug; tauri_flags=(--debug); cargo_flags=() ;;
    --appimage) bundles=deb,appimage ;;
    --relay-url) relay_url=${2:-}; [[ -n "$relay_url" ]] || { echo "$usage" >&2; exit 2; }; shift ;;
    --relay-url=*) relay_url=${1#--relay-url=} ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
  shift
done
# The app checks it again at every start; refusing here saves shipping a build that ignores it.
if [[ -n "$relay_url" ]] && ! [[ "$relay_url" =~ ^https://[^/?#@[:space:]]+(/[^?#[:space:]]*)?$ \
  || "$relay_url" =~ ^http://(127\.[0-9.]+|localhost|\[::1\])(:[0-9]+)?(/[^?#[:space:]]*)?$ ]]; then
  echo "--relay-url must be an https address (plain http only to this computer): $relay_url" >&2
  exit 2
fi
# Read at compile time by src-tauri/src/config.rs; unset, the build has no default (and
# reuses the end-to-end build as it is).
if [[ -n "$relay_url" ]]; then export EVERGREEN_DEFAULT_RELAY_URL="$relay_url"; else unset EVERGREEN_DEFAULT_RELAY_URL; fi
version=$(version)
out=target/packages
mkdir -p "$out"

echo "==> app: tauri build ${tauri_flags[*]} --bundles $bundles${relay_url:+ (default sign-in service $relay_url)}"
ui/node_modules/.bin/tauri build "${tauri_flags[@]}" --bundles "$bundles"
# The bundler knows no conffiles: add the system configuration to its .deb by hand.
app_root=$(mktemp -d)
trap 'rm -rf "$app_root"' EXIT
dpkg-deb -R target/"$profile"/bundle/deb/*.deb "$app_root"
install -Dm644 packaging/app/config.toml "$app_root/etc/evergreen/config.toml"
echo /etc/evergreen/config.toml >> "$app_root/DEBIAN/conffiles"
dpkg-deb --root-owner-group --build "$app_root" "$out/evergreen_${version}_amd64.deb" >/dev/null
if [[ "$bundles" == *appimage* ]]; then cp target/"$profile"/bundle/appimage/*.AppImage "$out/"; fi

echo "==> relay: cargo build ${cargo_flags[*]} -p evergreen-relay"
cargo build "${cargo_flags[@]}" -p evergreen-relay
root=$(mktemp -d)
trap 'rm -rf "$root" "$app_root"' EXIT
install -Dm755 target/"$profile"/evergreen-relay "$root/usr/bin/evergreen-relay"
install -Dm644 packaging/relay/evergreen-relay.service "$root/lib/systemd/system/evergreen-relay.service"
install -Dm644 packaging/relay/relay.toml "$root/etc/evergreen-relay/relay.toml"
install -Dm600 packaging/relay/secret.env "$root/etc/evergreen-relay/secret.env"
install -Dm644 packaging/relay/relay.toml "$root/usr/share/doc/evergreen-relay/examples/relay.toml"
install -Dm644 packaging/relay/redis.conf "$root/usr/share/doc/evergreen-relay/examples/redis.conf"
chmod 755 "$root"
mkdir -p "$root/DEBIAN"
printf '/etc/evergreen-relay/relay.toml\n/etc/evergreen-relay/secret.env\n' > "$root/DEBIAN/conffiles"
cat > "$root/DEBIAN/control" <<CONTROL
Package: evergreen-relay
Version: $version
Architecture: amd64
Maintainer: Evergreen <team@evergreen.invalid>
Depends: libc6 (>= 2.36)
Suggests: systemd
Section: net
Priority: optional
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Description: Evergreen's sign-in relay for Instagram
 Owns the Instagram app's client secret, receives Instagram's OAuth redirect and hands the
 long-lived token once to the copy of Evergreen that started the sign-in (PKCE). Configure
 /etc/evergreen-relay/relay.toml and secret.env, then: systemctl enable --now evergreen-relay
CONTROL
dpkg-deb --root-owner-group --build "$root" "$out/evergreen-relay_${version}_amd64.deb" >/dev/null

echo "==> packages"
ls -l "$out"
