#!/usr/bin/env bash
# make package-test: build the Debian packages (make package), inspect them,
# verify their systemd units, then on this machine install, run, upgrade,
# remove and purge them, checking each step. Needs root (dpkg) and apt.
# No systemd runs as PID 1 in a container: the services are started here
# the way their units would (ExecStart as the unit's User=).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
export DEBIAN_FRONTEND=noninteractive
[ "$(id -u)" -eq 0 ] || { echo "package-test: needs root (dpkg -i, apt-get)" >&2; exit 1; }

# One package test at a time on this machine (it installs system packages).
exec 9>/var/lock/mensakiosk-package-test.lock
flock 9

fail() { echo "package-test: FAIL: $*" >&2; exit 1; }
ok() { echo "package-test: ok: $*"; }
work=$(mktemp -d)
server=
cleanup() {
	if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
	apt-get purge -y -qq mensakiosk mensakiosk-central >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
# Start from a clean system (a previous run stopped half way).
apt-get purge -y -qq mensakiosk mensakiosk-central >/dev/null 2>&1 || true

version=$(awk -F'"' '/^[[:space:]]*Version[[:space:]]*=/ {print $2; exit}' FyneApp.toml)
release=$(awk -F'=' '/^[[:space:]]*Build[[:space:]]*=/ {gsub(/[[:space:]]/, "", $2); print $2; exit}' FyneApp.toml)
arch=$("$GO" env GOARCH)
make -s package PKG_DIR="$work/v1" >/dev/null
# The upgrade: the same tree, a later package release.
make -s package PKG_DIR="$work/v2" PKG_RELEASE=$((release + 1)) >/dev/null
kiosk1=$work/v1/mensakiosk_${version}-${release}_${arch}.deb
kiosk2=$work/v2/mensakiosk_${version}-$((release + 1))_${arch}.deb
central1=$work/v1/mensakiosk-central_${version}-${release}_${arch}.deb
for f in "$kiosk1" "$kiosk2" "$central1" "$work/v1/mensakiosk-central_${version}-${release}_arm64.deb" \
	"$work/v1/mensakiosk-badgetool_${version}-${release}_arm64.deb"; do
	[ -s "$f" ] || fail "no package $f (have: $(ls "$work"/v1))"
done
ok "built $(cd "$work/v1" && echo *.deb)"

# --- inspect -------------------------------------------------------------
field() { dpkg-deb -f "$1" "$2"; }
[ "$(field "$kiosk1" Version)" = "${version}-${release}" ] || fail "kiosk version $(field "$kiosk1" Version)"
grep -qw cage <<<"$(field "$kiosk1" Depends)" || fail "kiosk does not depend on cage"
grep -qx /etc/mensakiosk/kiosk.json <<<"$(dpkg-deb -I "$kiosk1" conffiles)" || fail "kiosk.json is not a conffile"
grep -qx /etc/mensakiosk-central/central.json <<<"$(dpkg-deb -I "$central1" conffiles)" || fail "central.json is not a conffile"
# (listings in variables: grep -q closing a pipe early fails under pipefail)
klist=$(dpkg-deb -c "$kiosk1")
clist=$(dpkg-deb -c "$central1")
for p in ./usr/bin/mensakiosk ./usr/bin/mensakiosk-badgetool ./etc/mensakiosk/kiosk.json \
	./usr/lib/systemd/system/mensakiosk.service ./usr/lib/udev/rules.d/70-mensakiosk-reader.rules \
	./usr/share/applications/mensakiosk.desktop ./usr/share/icons/hicolor/512x512/apps/mensakiosk.png; do
	grep -qx -- "$p" <<<"$(awk '{print $6}' <<<"$klist")" || fail "kiosk package lacks $p"
done
for p in ./usr/bin/mensakiosk-central ./usr/lib/mensakiosk-central/backup ./etc/mensakiosk-central/central.json \
	./usr/lib/systemd/system/mensakiosk-central.service ./usr/lib/systemd/system/mensakiosk-central-backup.service \
	./usr/lib/systemd/system/mensakiosk-central-backup.timer; do
	grep -qx -- "$p" <<<"$(awk '{print $6}' <<<"$clist")" || fail "central package lacks $p"
done
grep -q '^-rw-r----- root/mensakiosk-central .* ./etc/mensakiosk-central/central.json$' <<<"$clist" ||
	fail "central.json not 0640 root:mensakiosk-central: $(grep central.json <<<"$clist")"
for deb in "$work/v1/mensakiosk-central_${version}-${release}_arm64.deb" "$work/v1/mensakiosk-badgetool_${version}-${release}_arm64.deb"; do
	[ "$(field "$deb" Architecture)" = arm64 ] || fail "$deb: not arm64"
	dpkg-deb -x "$deb" "$work/arm64"
done
for b in "$work"/arm64/usr/bin/*; do
	grep -q 'Machine:.*AArch64' <<<"$(readelf -h "$b")" || fail "$b is not an arm64 binary"
	! grep -q INTERP <<<"$(readelf -l "$b")" || fail "$b is not static"
done
ok "package contents, versions, conffiles, arm64 binaries"

# --- the central server -------------------------------------------------
apt-get install -y -qq "$central1" >/dev/null
getent passwd mensakiosk-central >/dev/null || fail "no user mensakiosk-central"
[ "$(stat -c '%U:%G %a' /var/lib/mensakiosk-central)" = "mensakiosk-central:mensakiosk-central 750" ] ||
	fail "state dir $(stat -c '%U:%G %a' /var/lib/mensakiosk-central)"
[ "$(stat -c '%U:%G %a' /etc/mensakiosk-central/central.json)" = "root:mensakiosk-central 640" ] ||
	fail "central.json $(stat -c '%U:%G %a' /etc/mensakiosk-central/central.json)"
[ -L /etc/systemd/system/multi-user.target.wants/mensakiosk-central.service ] || fail "central unit not enabled"
[ -L /etc/systemd/system/timers.target.wants/mensakiosk-central-backup.timer ] || fail "backup timer not enabled"
mensakiosk-central -version | grep -q "^mensakiosk-central $version (build $release, commit [0-9a-f]" ||
	fail "central -version: $(mensakiosk-central -version)"
units=/usr/lib/systemd/system
systemd-analyze verify --man=no $units/mensakiosk-central.service $units/mensakiosk-central-backup.service \
	$units/mensakiosk-central-backup.timer || fail "systemd-analyze verify (central)"
ok "central installed: user, modes, units enabled and verified, -version"

# Run ExecStart as the unit's user (on a free loopback port: -addr wins over the config).
unitval() { sed -n "s/^$2=//p" "$units/$1"; }
port=$((20000 + RANDOM % 20000))
user=$(unitval mensakiosk-central.service User)
read -r -a exec <<<"$(unitval mensakiosk-central.service ExecStart)"
setpriv --reuid="$user" --regid="$user" --init-groups --no-new-privs -- "${exec[@]}" -addr "127.0.0.1:$port" 2>"$work/central.log" &
server=$!
for _ in $(seq 100); do
	health=$(curl -fsS "http://127.0.0.1:$port/v1/health" 2>/dev/null) && break
	kill -0 "$server" 2>/dev/null || fail "server exited: $(cat "$work/central.log")"
	sleep 0.1
done
echo "$health" | grep -q "\"version\":\"mensakiosk-central/$version\"" || fail "health: $health"
[ "$(ps -o user= -p "$server")" = "$user" ] || fail "server runs as $(ps -o user= -p "$server")"
ok "server as $user answers /v1/health: $health"

# The backup service, with its Environment=, as its user; then retention.
mapfile -t envs < <(unitval mensakiosk-central-backup.service Environment)
backup() { env "${envs[@]}" "$@" setpriv --reuid="$user" --regid="$user" --init-groups --no-new-privs -- \
	"$(unitval mensakiosk-central-backup.service ExecStart)"; }
backup >/dev/null || fail "backup service"
dir=/var/lib/mensakiosk-central/backups
ls "$dir"/central-*.db >/dev/null || fail "no backup in $dir"
for d in 20200101 20200102 20200103; do install -o "$user" -m 600 /dev/null "$dir/central-${d}T000000Z.db"; done
sleep 1
backup KEEP=2 >/dev/null
mapfile -t kept < <(ls "$dir")
[ ${#kept[@]} -eq 2 ] && [[ ${kept[0]} != central-2020* ]] && [[ ${kept[1]} != central-2020* ]] ||
	fail "retention KEEP=2 kept: ${kept[*]}"
[ "$(stat -c %s "$dir/${kept[1]}")" -gt 0 ] || fail "empty backup"
ok "backup service wrote ${kept[*]}, retention kept the newest 2"
kill "$server"; wait "$server" 2>/dev/null || true; server=

apt-get remove -y -qq mensakiosk-central >/dev/null
[ ! -e /usr/bin/mensakiosk-central ] || fail "binary left after remove"
[ -f /etc/mensakiosk-central/central.json ] && [ -f /var/lib/mensakiosk-central/central.db ] || fail "remove dropped config or data"
getent passwd mensakiosk-central >/dev/null || fail "remove dropped the user"
apt-get purge -y -qq mensakiosk-central >/dev/null
[ ! -e /etc/mensakiosk-central ] && [ ! -e /var/lib/mensakiosk-central ] && [ ! -e /usr/lib/mensakiosk-central ] || fail "purge left files"
! getent passwd mensakiosk-central >/dev/null && ! getent group mensakiosk-central >/dev/null || fail "purge left the user"
! ls /etc/systemd/system/*/mensakiosk-central* /etc/systemd/system/mensakiosk-central* 2>/dev/null || fail "purge left unit links"
! dpkg -l mensakiosk-central 2>/dev/null | grep -q '^[ir]' || fail "dpkg still knows mensakiosk-central"
ok "central remove keeps config, data and user; purge leaves nothing"

# --- the kiosk ------------------------------------------------------------
apt-get install -y -qq "$kiosk1" >/dev/null
command -v cage >/dev/null || fail "cage not installed with the kiosk"
id -nG mensakiosk | grep -qw dialout || fail "mensakiosk not in dialout: $(id -nG mensakiosk)"
[ "$(stat -c '%U:%G %a' /var/lib/mensakiosk)" = "mensakiosk:mensakiosk 750" ] || fail "state dir $(stat -c '%U:%G %a' /var/lib/mensakiosk)"
[ -L /etc/systemd/system/graphical.target.wants/mensakiosk.service ] || fail "kiosk unit not enabled"
systemd-analyze verify --man=no $units/mensakiosk.service || fail "systemd-analyze verify (kiosk)"
mensakiosk -version | grep -q "^mensakiosk $version (build $release, commit [0-9a-f]" || fail "kiosk -version: $(mensakiosk -version)"
mensakiosk-badgetool -version | grep -q "^mensakiosk-badgetool $version " || fail "badgetool -version"
grep -q '"port": "/dev/mensakiosk-reader"' /etc/mensakiosk/kiosk.json || fail "kiosk.json does not read the reader's stable name"
grep -q 'SYMLINK+="mensakiosk-reader"' /usr/lib/udev/rules.d/70-mensakiosk-reader.rules || fail "udev rule"
ok "kiosk installed: cage, user in dialout, unit enabled and verified, -version"

# The installed kiosk as a Comune runs it: full screen under cage on
# wlroots' headless 1280×720 output, its configuration, a token and the
# reference server on loopback; a badge on the reader's pty is served and
# the screen fits (cmd/kiosk/e2e_cage_test.go).
# (Without the lock's fd 9: a process the test leaves behind must not hold
# the next package test's lock.)
MENSAKIOSK_INSTALLED=/usr/bin/mensakiosk "$GO" test -tags "${E2E_TAGS:-e2e,migrated_fynedo}" \
	-run 'TestEndToEndCageInstalled$' -count=1 -v ./cmd/kiosk >"$work/cage.log" 2>&1 9>&- ||
	fail "the installed kiosk under cage: $(grep -v '^{' "$work/cage.log" | tail -15)"
grep -q -- '--- PASS: TestEndToEndCageInstalled' "$work/cage.log" || fail "the cage test did not run: $(tail -5 "$work/cage.log")"
ok "installed kiosk under cage: $(grep -o 'served green covers [0-9]*% of the output' "$work/cage.log"), header and footer on the 1280×720 output"

# The kiosk's database, as the kiosk makes it (headless, as its user), and an edited config.
setpriv --reuid=mensakiosk --regid=mensakiosk --init-groups -- timeout 5 mensakiosk -headless \
	-config /etc/mensakiosk/kiosk.json -reader-port /dev/null -central http://127.0.0.1:1 2>"$work/kiosk.log" || true
[ -s /var/lib/mensakiosk/kiosk.db ] || fail "the kiosk made no kiosk.db: $(tail -3 "$work/kiosk.log")"
sed -i 's/"kiosk_id": "[^"]*"/"kiosk_id": "upgrade-test-door"/' /etc/mensakiosk/kiosk.json
dbsum=$(sha256sum </var/lib/mensakiosk/kiosk.db)
uid=$(id -u mensakiosk)
apt-get install -y -qq "$kiosk2" >/dev/null
[ "$(dpkg-query -W -f '${Version}' mensakiosk)" = "${version}-$((release + 1))" ] || fail "upgrade did not happen"
grep -q '"kiosk_id": "upgrade-test-door"' /etc/mensakiosk/kiosk.json || fail "upgrade replaced the edited kiosk.json"
[ ! -e /etc/mensakiosk/kiosk.json.dpkg-new ] || fail "upgrade left kiosk.json.dpkg-new"
[ "$(sha256sum </var/lib/mensakiosk/kiosk.db)" = "$dbsum" ] || fail "upgrade changed kiosk.db"
[ "$(id -u mensakiosk)" = "$uid" ] || fail "upgrade changed the user"
ok "upgrade to ${version}-$((release + 1)) keeps the edited kiosk.json, kiosk.db and the user"

echo token >/etc/mensakiosk/token
apt-get remove -y -qq mensakiosk >/dev/null
[ ! -e /usr/bin/mensakiosk ] && [ ! -e /usr/lib/udev/rules.d/70-mensakiosk-reader.rules ] || fail "files left after remove"
grep -q upgrade-test-door /etc/mensakiosk/kiosk.json && [ -s /var/lib/mensakiosk/kiosk.db ] || fail "remove dropped config or data"
apt-get purge -y -qq mensakiosk >/dev/null
[ ! -e /etc/mensakiosk ] && [ ! -e /var/lib/mensakiosk ] || fail "purge left $(ls -d /etc/mensakiosk /var/lib/mensakiosk 2>/dev/null)"
! getent passwd mensakiosk >/dev/null && ! getent group mensakiosk >/dev/null || fail "purge left the user"
! ls /etc/systemd/system/*/mensakiosk.service /etc/systemd/system/mensakiosk.service 2>/dev/null || fail "purge left unit links"
ok "kiosk remove keeps config and kiosk.db; purge leaves nothing"
echo "package-test: all passed"
