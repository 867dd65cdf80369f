#!/usr/bin/env bash
# Installs what `make run` and `make test` need on a fresh Debian/Ubuntu
# machine, and only what is missing: the X11/GL headers GLFW builds against,
# Xvfb for the end-to-end test, ImageMagick's `import` for its screenshot,
# openbox and wmctrl for its window manager's close button, xdotool and
# x11-utils for the walk through every screen; cage, grim and the Wayland
# headers for the test under cage; alsa-utils' aplay for the canteen's
# sounds and sox to measure them in the test.
# make package needs the Wayland headers too, and the package test
# systemd-analyze, adduser, deb-systemd-helper and curl, and grim and
# wf-recorder for the installed kiosk's run under cage.
# make test also needs PostgreSQL (the postgresql package) for the tests'
# throwaway clusters (internal/pgtest).
# Usage: scripts/ensure-deps.sh [run|test|package]
set -euo pipefail
what=${1:-test}

missing=()
have_pc() { pkg-config --exists "$@" 2>/dev/null; }
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v gcc >/dev/null || missing+=(gcc)
if ! have_pc x11 xcursor xrandr xinerama xi xxf86vm xext; then missing+=(xorg-dev); fi
if ! have_pc gl; then missing+=(libgl1-mesa-dev); fi
# Mesa's software GL, for a display without a GPU (Xvfb, virtual machines).
dpkg -s libgl1-mesa-dri >/dev/null 2>&1 || missing+=(libgl1-mesa-dri)
if [ "$what" = test ]; then
  command -v Xvfb >/dev/null || missing+=(xvfb)
  command -v xauth >/dev/null || missing+=(xauth)
  # `import` is ImageMagick's X screenshot tool; some images ship a stand-in
  # `convert` without it.
  command -v import >/dev/null || missing+=(imagemagick)
  # A window manager and its remote control: the end-to-end test presses
  # the window's close button (the kiosk must refuse it).
  command -v openbox >/dev/null || missing+=(openbox)
  command -v wmctrl >/dev/null || missing+=(wmctrl)
  # The end-to-end test captures the canteen's sounds (ALSA's file plugin)
  # and measures them.
  command -v sox >/dev/null || missing+=(sox)
  # The end-to-end walk clicks like a finger (xdotool) and reads the
  # window's geometry from the X server (xwininfo, in x11-utils).
  command -v xdotool >/dev/null || missing+=(xdotool)
  command -v xwininfo >/dev/null || missing+=(x11-utils)
  # The office's certificates command is tested on the PDFs' text as
  # poppler's pdftotext reads it.
  command -v pdftotext >/dev/null || missing+=(poppler-utils)
  # The kiosk under cage, the Wayland kiosk compositor it runs in on a
  # real kiosk, on wlroots' headless backend: Fyne's wayland build needs
  # the Wayland and xkbcommon headers; cage 0.1.4 does not start without
  # Xwayland; grim takes the screenshot; wf-recorder keeps a screen copy
  # waiting so that cage composites every frame (e2e_cage_test.go says why).
  command -v cage >/dev/null || missing+=(cage)
  command -v Xwayland >/dev/null || missing+=(xwayland)
  command -v grim >/dev/null || missing+=(grim)
  command -v wf-recorder >/dev/null || missing+=(wf-recorder)
  have_pc wayland-client wayland-cursor wayland-egl || missing+=(libwayland-dev)
  have_pc xkbcommon || missing+=(libxkbcommon-dev)
  have_pc wayland-protocols || missing+=(wayland-protocols)
  # A throwaway PostgreSQL cluster for the tests (internal/pgtest runs
  # initdb and postgres from /usr/lib/postgresql/*/bin as the postgres user).
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
fi
if [ "$what" = package ] || [ "$what" = test ]; then
  # make package: the kiosk's native Wayland build (it runs inside cage);
  # make package-test: dpkg-deb, systemd-analyze, and cage/adduser that the
  # packages depend on come from apt when the test installs them.
  if ! have_pc wayland-client wayland-egl wayland-cursor xkbcommon; then missing+=(libwayland-dev libxkbcommon-dev); fi
  dpkg -s wayland-protocols >/dev/null 2>&1 || missing+=(wayland-protocols)
  command -v systemd-analyze >/dev/null || missing+=(systemd)
  command -v adduser >/dev/null || missing+=(adduser)
  command -v deb-systemd-helper >/dev/null || missing+=(init-system-helpers)
  command -v curl >/dev/null || missing+=(curl)
  # The installed kiosk's run under cage (cage comes with the package).
  command -v grim >/dev/null || missing+=(grim)
  command -v wf-recorder >/dev/null || missing+=(wf-recorder)
fi
# The canteen plays its sounds with aplay (canteen.sound_command).
command -v aplay >/dev/null || missing+=(alsa-utils)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "ensure-deps: installing ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
