#!/usr/bin/env bash
# The window for real: chainsim opens it under Xvfb (a virtual X display),
# runs a scenario live in the threads executor and closes it by itself;
# without any display it says to use --headless or --screenshot (exit 2);
# --screenshot needs no display and renders the same PNG twice.
set -u
bin="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
# Under AddressSanitizer, runs on an X display do not check leaks: SDL's X11
# driver keeps ~240 bytes (libX11's) and unloads libX11 at exit, so
# LeakSanitizer cannot even name them, let alone suppress them. Every other
# case here, and all of test_view (dummy driver), runs with leak checks.
# xvfb-run itself exits 5 when its clean-up races Xvfb (it removes its
# temporary directory before stopping the server): that run is repeated.
x11() {
    local code
    for _ in 1 2 3; do
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" xvfb-run -a "$@"
        code=$?
        [ "$code" != 5 ] && return "$code"
    done
    return "$code"
}

if ! command -v xvfb-run >/dev/null; then
    echo "FAIL xvfb-run is not installed (Debian: xvfb xauth; see .ci/install-deps)"
    exit 1
fi
# A real window on an X display, closed after 2 s of wall time.
x11 -s "-screen 0 1280x800x24" "$bin" --quit-after 2 scenarios/fork-race.json \
    >"$dir/out" 2>"$dir/err"
code=$?
[ "$code" = 0 ] && ok || bad "the window under Xvfb should exit 0, got $code: $(cat "$dir/err")"
# The default scenario when no file is given, at a given speed.
x11 "$bin" --quit-after 1 --speed 20 >"$dir/out" 2>"$dir/err"
code=$?
[ "$code" = 0 ] && ok || bad "the default scenario's window should exit 0, got $code: $(cat "$dir/err")"
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
