#!/usr/bin/env bash
# Regenerates the pictures the README and docs/ show, from a build of
# chainsim (default build/chainsim; give another path as the argument):
#
#   docs/img/window-fork.png    the window on fork-race at 5.0 s, mid-fork:
#                               two branches, 3 nodes against 1, two of the
#                               three behind on theirs (--screenshot)
#   docs/img/window-agreed.png  the window on partition-heal at 1300 s, 90 s
#                               after the heal: all agree, the 18-minute
#                               fork in the history, the tree folded
#
# Every picture depends on the scenario and seed only, so running this
# again changes a file only when the drawing or the simulation changed.
# Run it after such a change and commit the pictures with it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-build/chainsim}"
mkdir -p docs/img

"$bin" --screenshot docs/img/window-fork.png --at 5.0 scenarios/fork-race.json
"$bin" --screenshot docs/img/window-agreed.png --at 1300 scenarios/partition-heal.json

ls -l docs/img
