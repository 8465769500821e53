#!/usr/bin/env bash
# Run the standalone build as a user would: from an empty folder, with an environment
# that has no Python of ours (no virtual environment on PATH, no PYTHONPATH, no
# PYTHONHOME), so only the bundle can answer. Checks --version, `check` on a request
# file, import and list (the migrations), provisioning in the sandbox, the job worker's entry (the GUI starts it as
# `-m ...`), and the GUI on the offscreen platform with the start-up probe: the window
# is shown, then the app quits.
#
#   tools/smoke_dist.sh [dist/byok-desktop/byok-desktop]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
binary="$(realpath "${1:-$root/dist/byok-desktop/byok-desktop}")"
request="$root/packaging/smoke/acme.byok.json"
version="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$root/byok_desktop/__init__.py")"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
cp "$request" "$work/acme.byok.json"
# A clean environment: the bundle must not lean on this machine's Python.
run() {
    env -i HOME="$work/home" PATH=/usr/bin:/bin LANG=C.UTF-8 \
        BYOK_DESKTOP_DATA_DIR="$work/data" "$@"
}
passed=0
fail() { echo "smoke_dist: $*" >&2; echo "smoke_dist: $passed passed, 1 failed" >&2; exit 1; }
ok() { echo "ok: $*"; passed=$((passed + 1)); }

out="$(run "$binary" --version)"
[ "$out" = "byok-desktop $version" ] || fail "--version printed '$out'"
ok "--version ($out)"

out="$(run "$binary" check acme.byok.json)" || fail "check failed: $out"
[ "$out" = "acme.byok.json: requests[0] (acme): ready" ] || fail "check printed '$out'"
ok "check on a request file"

# The database: made by the Alembic migrations shipped in the bundle.
run "$binary" import acme.byok.json > /dev/null || fail "import failed"
out="$(run "$binary" list)" || fail "list failed: $out"
case "$out" in *acme*) ;; *) fail "list does not show the imported request: $out" ;; esac
ok "import and list (database made by the bundled migrations)"

# The sandbox: moto's server and its KMS, IAM and STS, all from the bundle.
sed 's/012345678901/123456789012/; s/"acme"/"sandbox-acme"/' acme.byok.json > sandbox.byok.json
run "$binary" --sandbox import sandbox.byok.json > /dev/null || fail "sandbox import failed"
run "$binary" --sandbox profile verify Sandbox > /dev/null || fail "the Sandbox profile failed"
out="$(run "$binary" --sandbox provision --yes --all-ready 2>&1)" || fail "provision: $out"
case "$out" in *Succeeded*) ;; *) fail "the sandbox provisioning did not succeed: $out" ;; esac
ok "a request provisioned in the sandbox (simulated AWS)"

out="$(run "$binary" -m byok_desktop.jobs.worker_process --help)" || fail "job worker: $out"
case "$out" in *--data-dir*) ;; *) fail "the job worker's help is missing: $out" ;; esac
ok "the job worker starts from the bundle"

# The GUI: the probe writes when the window was first painted, then quits the app.
timeout 120 env -i HOME="$work/home" PATH=/usr/bin:/bin LANG=C.UTF-8 \
    QT_QPA_PLATFORM=offscreen BYOK_DESKTOP_PROBE="$work/probe.json" \
    "$binary" --data-dir "$work/gui-data" > "$work/gui.log" 2>&1 \
    || { cat "$work/gui.log" >&2; fail "the GUI did not start and quit"; }
grep -q '"shown"' "$work/probe.json" 2>/dev/null \
    || { cat "$work/gui.log" >&2; fail "the GUI never showed its window"; }
ok "the GUI shows its window offscreen (start-up probe)"

# The platform plugins the app needs on Linux desktops and in CI.
plugins="$(dirname "$binary")/_internal/PySide6/Qt/plugins/platforms"
for plugin in libqxcb.so libqoffscreen.so; do
    [ -f "$plugins/$plugin" ] || fail "$plugin is missing from $plugins"
done
ok "xcb and offscreen platform plugins are in the bundle"
folder="$(dirname "$binary")"
for file in share/applications/byok-desktop.desktop share/metainfo/byok-desktop.metainfo.xml \
    share/icons/hicolor/scalable/apps/byok-desktop.svg share/icons/hicolor/48x48/apps/byok-desktop.png; do
    [ -f "$folder/$file" ] || fail "$file is missing from the folder"
done
ok "the desktop file, metainfo and icons are in the folder's share/"
echo "smoke_dist: the folder is $(du -sh "$folder" | cut -f1)"
echo "smoke_dist: $passed passed, 0 failed"
