#!/usr/bin/env bash
# The command line's own messages: one line and a pointer to --help for a
# bad option, under the name chainsim (not the path it was started by);
# --at only with --screenshot; the "no display" message first, with no
# library's complaint before it; and scenarios/ holds only scenarios.
source "$(dirname "$0")/shell_common.sh" "$1"

check_usage() { # expected first line, then the arguments
    local want="$1"; shift
    "$bin" "$@" >"$dir/out" 2>"$dir/err"
    local code=$?
    [ "$code" = 2 ] && ok || bad "chainsim $* should exit 2, got $code"
    [ "$(wc -l <"$dir/err")" = 2 ] && [ "$(sed -n 1p "$dir/err")" = "$want" ] &&
        [ "$(sed -n 2p "$dir/err")" = "see chainsim --help" ] && ok ||
        bad "chainsim $*: expected '$want' and 'see chainsim --help', got: $(cat "$dir/err")"
    [ ! -s "$dir/out" ] && ok || bad "chainsim $*: nothing on stdout, got $(cat "$dir/out")"
}
check_usage "chainsim: unknown option '--bogus'" --bogus scenarios/fork-race.json
check_usage "chainsim: unknown option '--bogus=3'" --headless --bogus=3
check_usage "chainsim: unknown option '-z'" -z
check_usage "chainsim: --seed needs a value" scenarios/fork-race.json --seed
# started by a path, still named chainsim
ln -s "$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" "$dir/some-other-name"
"$dir/some-other-name" --bogus 2>"$dir/err"
grep -q "^chainsim: unknown option '--bogus'$" "$dir/err" && ! grep -q "some-other-name" "$dir/err" && ok ||
    bad "the message should name chainsim, not the path: $(cat "$dir/err")"

"$bin" --headless scenarios/fork-race.json --at 3 >"$dir/out" 2>"$dir/err"
code=$?
[ "$code" = 2 ] && grep -qx "chainsim: --at goes with --screenshot FILE.png (the sim time of its frame)" "$dir/err" &&
    [ ! -s "$dir/out" ] && ok || bad "--at without --screenshot: exit $code, $(cat "$dir/err")"

# No display: the window's message is the first line on stderr (SDL's
# Wayland driver used to print "XDG_RUNTIME_DIR is invalid or not set" first).
env -u DISPLAY -u WAYLAND_DISPLAY -u XDG_RUNTIME_DIR -u SDL_VIDEODRIVER \
    "$bin" scenarios/fork-race.json >"$dir/out" 2>"$dir/err"
code=$?
[ "$code" = 2 ] && [ "$(sed -n 1p "$dir/err")" = \
    "chainsim: cannot open a window: no display (DISPLAY or WAYLAND_DISPLAY is not set)" ] && ok ||
    bad "no display: exit $code, stderr: $(cat "$dir/err")"
! grep -qi "xdg\|wayland.*error\|^error" "$dir/err" && ok || bad "a stray message: $(cat "$dir/err")"

# Every JSON file under scenarios/ is a runnable scenario (or a sweep); the
# network presets are data, in assets/ (beside the page the node serves).
[ -f assets/network-presets.json ] && [ ! -e scenarios/presets ] && ok ||
    bad "the presets table should be assets/network-presets.json, not under scenarios/"
while IFS= read -r f; do
    if grep -q '"sweep"' "$f"; then continue; fi # a sweep's points are checked by its own test
    "$bin" --headless --quiet --replications 1 --until 0.001 "$f" >/dev/null 2>"$dir/err"
    code=$?
    [ "$code" = 0 ] || [ "$code" = 1 ] && ok || bad "$f does not run as a scenario: $(cat "$dir/err")"
done < <(find scenarios -name '*.json' | sort)
"$bin" --headless --quiet --until 0.001 assets/network-presets.json 2>/dev/null
[ $? = 2 ] && ok || bad "the presets table should not run as a scenario"
finish
