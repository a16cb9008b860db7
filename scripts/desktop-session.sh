#!/usr/bin/env bash
# Run a command the way a person runs Evergreen: as an ordinary user, in a virtual display
# (Xvfb) with its own D-Bus session. Started as root (CI, this machine), it switches to the
# user `evergreen-bench`, created on first use: the kernel treats root's memory calls
# differently (MADV_PAGEOUT evicts any library from the page cache for root and skips the
# pages of files a normal user cannot write), so figures taken as root would not be a user's.
#   scripts/desktop-session.sh [--writable DIR]... COMMAND [ARG]...
# --writable: a directory the command writes its results to (created, handed to the user).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
writable=()
while [[ "${1:-}" == "--writable" ]]; do
  writable+=("$2")
  shift 2
done
[[ ${#writable[@]} -gt 0 ]] && mkdir -p "${writable[@]}"
if [[ $(id -u) != 0 ]]; then
  exec "${virtual_display[@]}" "$@"
fi
user=evergreen-bench
id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
home=$(getent passwd "$user" | cut -d: -f6)
[[ ${#writable[@]} -gt 0 ]] && chown -R "$user" "${writable[@]}"
exec runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" USER="$user" \
  LANG=C.UTF-8 "${virtual_display[@]}" "$@"
