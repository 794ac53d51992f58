#!/usr/bin/env bash
# --record FILE.gif through the real binary: a GIF89a that loops, as many
# frames as --from/--to/--fps ask for (read by Python from the file's
# blocks), the same bytes on a second run, no display needed, and each bad
# option refused with exit 2, a clear message and no file.
source "$(dirname "$0")/shell_common.sh" "$1"

# fork-race at speed 1, 2 frames per second, 1 s to 4 s: 1.0, 1.5, ..., 4.0
env -u DISPLAY -u WAYLAND_DISPLAY "$bin" scenarios/fork-race.json --record "$dir/a.gif" \
    --speed 1 --from 1 --to 4 --fps 2 2>"$dir/err"
code=$?
[ "$code" = 0 ] && ok || bad "--record should exit 0 without a display, got $code: $(cat "$dir/err")"
python3 - "$dir/a.gif" <<'PY' && ok || bad "a.gif is not a looping GIF of 7 frames"
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:6] == b"GIF89a", b[:6]
w, h, flags = struct.unpack("<HHB", b[6:11])
assert (w, h) == (1280, 800) and flags & 0x80, (w, h, flags)   # a global colour table
p = 13 + 3 * 2 ** ((flags & 7) + 1)
frames, delays, loops = 0, [], False
while b[p] != 0x3B:                                            # the trailer
    if b[p] == 0x21:                                           # an extension
        label, p = b[p + 1], p + 2
        data = b""
        while b[p]:
            data += b[p + 1:p + 1 + b[p]]; p += 1 + b[p]
        p += 1
        if label == 0xF9: delays.append(struct.unpack("<H", data[1:3])[0])
        if label == 0xFF and data.startswith(b"NETSCAPE2.0"): loops = True
    elif b[p] == 0x2C:                                         # an image
        frames += 1
        fl = b[p + 9]; p += 10
        if fl & 0x80: p += 3 * 2 ** ((fl & 7) + 1)
        p += 1                                                 # LZW code size
        while b[p]: p += 1 + b[p]
        p += 1
    else:
        raise AssertionError(f"unexpected byte {b[p]:#x} at {p}")
assert loops and frames == 7, (loops, frames)
assert delays == [50] * 6 + [250], delays
PY
"$bin" scenarios/fork-race.json --record "$dir/b.gif" --speed 1 --from 1 --to 4 --fps 2 2>"$dir/err"
cmp -s "$dir/a.gif" "$dir/b.gif" && ok || bad "two recordings of the same run differ"

# Bad options: exit 2, the reason, no file.
check() { # name, expected message (a fixed string in stderr), args...
    local name="$1" want="$2"; shift 2
    "$bin" scenarios/fork-race.json "$@" >"$dir/out" 2>"$dir/err"
    local code=$?
    if [ "$code" = 2 ] && grep -qF -- "$want" "$dir/err" && [ ! -e "$dir/x.gif" ] &&
        [ ! -e "$dir/x.gif.part" ]; then ok; else
        bad "$name: exit $code, stderr: $(cat "$dir/err") (want: $want)"
    fi
}
check "fps 0" "chainsim: --fps: expected an integer 1..50, got '0'" --record "$dir/x.gif" --fps 0
check "fps 51" "chainsim: --fps: expected an integer 1..50, got '51'" --record "$dir/x.gif" --fps 51
check "fps 2.5" "got '2.5'" --record "$dir/x.gif" --fps 2.5
check "to before from" "chainsim: --record: --to (2 s) must come after --from (3 s)" \
    --record "$dir/x.gif" --from 3 --to 2
check "not a gif" "chainsim: --record: expected a file name ending in .gif, got '$dir/x.png'" \
    --record "$dir/x.png"
check "from alone" "chainsim: --from, --to and --fps go with --record FILE.gif" --from 1
check "with headless" "chainsim: --record renders the window's frames: not with --headless" \
    --headless --record "$dir/x.gif"
check "with screenshot" "not with --screenshot" --record "$dir/x.gif" --screenshot "$dir/s.png"
check "after the end" "chainsim: --from 100.000: the run ends at 5.800 s, before the first frame" \
    --record "$dir/x.gif" --from 100
check "too long" "chainsim: --record: more than 3000 frames" --record "$dir/x.gif" --speed 0.001 --to 5
check "unwritable" "cannot write $dir/nope/x.gif.part: No such file or directory" \
    --record "$dir/nope/x.gif"

finish
