#!/usr/bin/env bash
# Regenerates the pictures the README and docs/ show, from a build of
# chainsim (default build/chainsim; give another path as the argument):
#
#   docs/img/window-fork.png       the window on fork-race at 5.0 s, mid-fork:
#                                  two branches, 3 nodes against 1, two of the
#                                  three behind on theirs (--screenshot)
#   docs/img/window-agreed.png     the window on partition-heal at 1300 s, 90 s
#                                  after the heal: all agree, the 18-minute
#                                  fork in the history, the tree folded
#   docs/img/fork.gif              fork-race recorded with --record: two
#                                  miners tie at 1 s, bob's block at 5 s
#                                  resolves the fork (12 s of playback)
#   docs/img/plot-propagation.png  the propagation CDF of bitcoin-2015-small
#                                  (600 nodes on the 2015 network), --plot
#   docs/img/plot-sweep.png        a sweep's error bars: double-spend-rosenfeld-q10's
#                                  gap to Rosenfeld against z, 10 replicas a point
#   docs/img/plot-bands.png        a replicated run's bands: bitcoin-2015-small-x10's
#                                  blocks, stale blocks and forks, mean and 95% CI
#
# Every picture depends on the scenario and seed only, so running this
# again changes a file only when the drawing or the simulation changed.
# Run it after such a change and commit the pictures with it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-build/chainsim}"
mkdir -p docs/img
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin" --screenshot docs/img/window-fork.png --at 5.0 scenarios/fork-race.json
"$bin" --screenshot docs/img/window-agreed.png --at 1300 scenarios/partition-heal.json

"$bin" scenarios/fork-race.json --record docs/img/fork.gif --speed 0.5 --fps 20

"$bin" --headless --quiet scenarios/validation/bitcoin-2015-small.json \
    --plot "$tmp" --plot-format png
cp "$tmp/propagation_cdf.png" docs/img/plot-propagation.png

"$bin" --headless --quiet scenarios/validation/double-spend-rosenfeld-q10.json \
    --plot "$tmp" --plot-format png
cp "$tmp/sweep_double_spend_rosenfeld_gap.png" docs/img/plot-sweep.png

"$bin" --headless --quiet scenarios/validation/bitcoin-2015-small-x10.json \
    --plot "$tmp" --plot-format png
cp "$tmp/forks_over_time.png" docs/img/plot-bands.png

ls -l docs/img
