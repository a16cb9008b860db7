#!/usr/bin/env bash
# Build the installable packages into target/packages/:
#   * evergreen_<version>_amd64.deb — the app (Tauri bundler): binary, icons, desktop entry
#     registering the app.evergreen: scheme (MimeType=x-scheme-handler/app.evergreen, Exec … %u);
#   * evergreen-relay_<version>_amd64.deb — the relay binary, its systemd unit and a sample
#     configuration (packaging/relay/);
#   * with --appimage, the AppImage too. The Tauri bundler downloads linuxdeploy from GitHub
#     for it, so it needs a network that reaches GitHub.
# --debug packages the debug build (CI's install test reuses the end-to-end build).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

profile=release; tauri_flags=(); cargo_flags=(--release); bundles=deb
for arg in "$@"; do
  case "$arg" in
    --debug) profile=debug; tauri_flags=(--debug); cargo_flags=() ;;
    --appimage) bundles=deb,appimage ;;
    *) echo "usage: scripts/package.sh [--debug] [--appimage]" >&2; exit 2 ;;
  esac
done
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
out=target/packages
mkdir -p "$out"

echo "==> app: tauri build ${tauri_flags[*]} --bundles $bundles"
ui/node_modules/.bin/tauri build "${tauri_flags[@]}" --bundles "$bundles"
cp target/"$profile"/bundle/deb/*.deb "$out/evergreen_${version}_amd64.deb"
if [[ "$bundles" == *appimage* ]]; then cp target/"$profile"/bundle/appimage/*.AppImage "$out/"; fi

echo "==> relay: cargo build ${cargo_flags[*]} -p evergreen-relay"
cargo build "${cargo_flags[@]}" -p evergreen-relay
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
install -Dm755 target/"$profile"/evergreen-relay "$root/usr/bin/evergreen-relay"
install -Dm644 packaging/relay/evergreen-relay.service "$root/lib/systemd/system/evergreen-relay.service"
install -Dm644 packaging/relay/relay.toml "$root/etc/evergreen-relay/relay.toml"
install -Dm600 packaging/relay/secret.env "$root/etc/evergreen-relay/secret.env"
install -Dm644 packaging/relay/relay.toml "$root/usr/share/doc/evergreen-relay/examples/relay.toml"
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
