#!/usr/bin/env bash
# The window for real: chainsim opens it on Xvfb (a virtual X display),
# runs a scenario live in the threads executor and closes it by itself;
# without any display it says to use --headless or --screenshot (exit 2);
# --screenshot needs no display and renders the same PNG twice.
set -u
bin="$1"
dir=$(mktemp -d)
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
if ! command -v Xvfb >/dev/null; then
    echo "FAIL Xvfb is not installed (Debian: xvfb; see .ci/install-deps)"
    exit 1
fi
# One virtual X display for the whole script, on a free display number that
# Xvfb picks itself (-displayfd): unlike xvfb-run -a, nothing can race for
# the number, and the server always goes away with the script.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$dir/display" 2>"$dir/xvfb.err" &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null; wait "$xvfb" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do [ -s "$dir/display" ] && break; sleep 0.1; done
if [ ! -s "$dir/display" ]; then
    echo "FAIL Xvfb did not start: $(cat "$dir/xvfb.err")"
    exit 1
fi
display=":$(cat "$dir/display")"
# Under AddressSanitizer, runs on the X display do not check leaks: SDL's
# X11 driver keeps ~240 bytes (libX11's) and unloads libX11 at exit, so
# LeakSanitizer cannot even name them. Every other case here, and all of
# test_view (dummy driver), runs with leak checks.
x11() { DISPLAY="$display" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$@"; }

# A real window on an X display, closed after 2 s of wall time.
x11 "$bin" --quit-after 2 scenarios/fork-race.json \
    >"$dir/out" 2>"$dir/err"
code=$?
[ "$code" = 0 ] && ok || bad "the window under Xvfb should exit 0, got $code: $(cat "$dir/err")"
# The default scenario when no file is given, at a given speed.
x11 "$bin" --quit-after 1 --speed 20 >"$dir/out" 2>"$dir/err"
code=$?
[ "$code" = 0 ] && ok || bad "the default scenario's window should exit 0, got $code: $(cat "$dir/err")"
# A partition and its heal, live in the threads executor and fast (2 s of
# wall time at x1500 is the whole 1900 s run): exit 0, nothing on stderr.
x11 "$bin" --quit-after 2 --speed 1500 scenarios/partition-heal.json >"$dir/out" 2>"$dir/err"
code=$?
[ "$code" = 0 ] && [ ! -s "$dir/err" ] && ok ||
    bad "partition-heal's window at x1500 should exit 0 quietly, got $code: $(cat "$dir/err")"
# No display at all: a clear message, exit 2.
env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER "$bin" scenarios/fork-race.json \
    >"$dir/out" 2>"$dir/err"
code=$?
[ "$code" = 2 ] && ok || bad "no display should exit 2, got $code"
grep -q -- "--headless" "$dir/err" && grep -q -- "--screenshot" "$dir/err" && ok ||
    bad "no display should point to --headless and --screenshot: $(cat "$dir/err")"
# A scenario that cannot be read: exit 2 before any window (display or not).
env -u DISPLAY -u WAYLAND_DISPLAY "$bin" no/such.json >"$dir/out" 2>"$dir/err"
code=$?
[ "$code" = 2 ] && grep -q "no/such.json: cannot read" "$dir/err" && ok ||
    bad "a missing scenario should exit 2 with its name, got $code: $(cat "$dir/err")"
# --screenshot: no display needed, a PNG, the same bytes every time.
env -u DISPLAY "$bin" --screenshot "$dir/a.png" --at 2 scenarios/fork-race.json 2>"$dir/err" &&
    env -u DISPLAY "$bin" --screenshot "$dir/b.png" --at 2 scenarios/fork-race.json 2>>"$dir/err"
code=$?
[ "$code" = 0 ] && ok || bad "--screenshot should exit 0, got $code: $(cat "$dir/err")"
[ "$(head -c 8 "$dir/a.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] && ok ||
    bad "--screenshot should write a PNG"
cmp -s "$dir/a.png" "$dir/b.png" && ok || bad "two screenshots of the same frame should be identical"
"$bin" --screenshot "$dir/c.png" --font /no/such.ttf 2>"$dir/err"
code=$?
[ "$code" = 2 ] && grep -q -- "--font /no/such.ttf: cannot read" "$dir/err" && ok ||
    bad "a missing --font should exit 2 and say so, got $code: $(cat "$dir/err")"
"$bin" --help | grep -q -- "--screenshot" && ok || bad "--help should list --screenshot"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
