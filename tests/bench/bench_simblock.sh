#!/usr/bin/env bash
# bench_simblock.sh - chainsim and SimBlock side by side on the same work.
#
#   SIMBLOCK_DIR=DIR tests/bench/bench_simblock.sh [CHAINSIM_BINARY] [RUNS] [NETWORKS]
#
# SIMBLOCK_DIR is a checkout of SimBlock, the reference Java simulator
# (Apache-2.0): `git clone https://github.com/dsg-titech/simblock DIR`. Only
# its simulator sources are used (DIR/simulator/src/main/java/simblock/);
# they are never changed: the script copies them into DIR/bench-build/NET/,
# sets the configuration there with sed and compiles that copy with plain
# javac (again only when the sources or the settings changed). Needs javac,
# java (a JDK 11 or newer), /usr/bin/time (GNU time) and python3.
#
# NETWORKS (default "2015 2019") picks the runs, the ones issue 11 names:
#   2015: 6,000 nodes x 100 blocks, SimBlock's 2015 latencies, bandwidths and
#         regions; chainsim runs scenarios/validation/bitcoin-2015-paper.json
#   2019: 10,000 nodes x 100 blocks, the 2019 network;
#         chainsim runs scenarios/validation/bitcoin-2019-10k.json
# Both sides: 535,000-byte blocks every 10 minutes, inv/getdata relay with
# whole blocks (SimBlock's compact block relay off: CBR_USAGE_RATE = 0, as the
# chainsim scenarios have no compact blocks), SimBlock's 2015 outbound
# degrees, 2 ms processing per block. Each run is a whole process (setup,
# simulation and output, SimBlock's output.json included), chainsim then
# SimBlock, RUNS times (default 5) in turn, so both see the same load.
#
# Prints each run, then per network the medians of wall time, CPU time
# (user + system, all threads: the JVM's JIT and GC included) and peak RSS,
# the work each did (block transfers: chainsim's "block" messages, SimBlock's
# flow-block events; chainsim's messages of every kind), the ratios (of the
# medians, and the median of the run-by-run ratios with their range) and the
# load average. On a shared machine quote the CPU ratios: wall time moves
# with the load. Not a ctest test: it prints figures and checks nothing.
#
# CHAINSIM_OPTS (optional) adds options to every chainsim run, e.g.
# CHAINSIM_OPTS="--parallel 2" to run chainsim's virtual executor on two
# workers, as SimBlock's JVM uses the second core too (compare the wall-time
# ratios then; CPU counts both workers); both networks are large enough
# (1,000 nodes or more) for chainsim to take every core by default, so
# CHAINSIM_OPTS="--parallel 1" runs it on one. SIMBLOCK_JAVA_OPTS does the
# same for the java command line.
set -euo pipefail

die() { echo "bench_simblock: $*" >&2; exit 2; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BIN=${1:-$REPO/build/chainsim}
RUNS=${2:-5}
NETS=${3:-2015 2019}

[[ -n ${SIMBLOCK_DIR:-} ]] || die "set SIMBLOCK_DIR to a checkout of SimBlock:
  git clone https://github.com/dsg-titech/simblock /path/to/simblock
  SIMBLOCK_DIR=/path/to/simblock $0 ${BIN}"
SRC=$SIMBLOCK_DIR/simulator/src/main/java
[[ -f $SRC/simblock/settings/SimulationConfiguration.java ]] ||
    die "SIMBLOCK_DIR=$SIMBLOCK_DIR has no simulator/src/main/java/simblock/settings/SimulationConfiguration.java (not a SimBlock checkout?)"
[[ -x $BIN ]] || die "no chainsim binary at $BIN (build it, or pass its path first)"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$RUNS'"
for tool in javac java python3; do
    command -v "$tool" > /dev/null || die "needs $tool (apt-get install default-jdk-headless python3)"
done
[[ -x /usr/bin/time ]] || die "needs GNU time at /usr/bin/time (apt-get install time)"

WORK=$(mktemp -d /tmp/chainsim-bench-simblock-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# The settings of each network: nodes, blocks, chainsim's scenario.
net_nodes() { case $1 in 2015) echo 6000 ;; 2019) echo 10000 ;; *) die "unknown network '$1' (2015 or 2019)" ;; esac; }
net_scenario() { echo "$REPO/scenarios/validation/bitcoin-$1-$([[ $1 == 2015 ]] && echo paper || echo 10k).json"; }

# Builds SimBlock configured for network NET into DIR/bench-build/NET and
# prints that directory. Constants are `static final`, which javac inlines
# into every class that uses them, so the whole copy is compiled each time.
build_simblock() {
    local net=$1 nodes blocks=100 b
    nodes=$(net_nodes "$net")
    b=$SIMBLOCK_DIR/bench-build/$net
    local sim=(
        -e "s/^\(\s*public static final int NUM_OF_NODES = \)[0-9]*;/\1$nodes;/"
        -e "s/^\(\s*public static final int END_BLOCK_HEIGHT = \)[0-9]*;/\1$blocks;/"
        -e "s/^\(\s*public static final float CBR_USAGE_RATE = \)[0-9.]*f;/\10f;/"
    )
    local netcfg=(
        -e "s/^\(\s*public static final long\[\]\[\] LATENCY = \)LATENCY_20[0-9]*;/\1LATENCY_$net;/"
        -e "s/^\(\s*public static final long\[\] DOWNLOAD_BANDWIDTH = \)DOWNLOAD_BANDWIDTH_20[0-9]*;/\1DOWNLOAD_BANDWIDTH_$net;/"
        -e "s/^\(\s*public static final long\[\] UPLOAD_BANDWIDTH = \)UPLOAD_BANDWIDTH_20[0-9]*;/\1UPLOAD_BANDWIDTH_$net;/"
        -e "s/^\(\s*public static final double\[\] REGION_DISTRIBUTION = \)REGION_DISTRIBUTION_BITCOIN_20[0-9]*;/\1REGION_DISTRIBUTION_BITCOIN_$net;/"
        -e "s/^\(\s*public static final double\[\] DEGREE_DISTRIBUTION = \)DEGREE_DISTRIBUTION_[A-Z0-9_]*;/\1DEGREE_DISTRIBUTION_BITCOIN_2015;/"
    )
    local stamp="${sim[*]} ${netcfg[*]}"
    if [[ -f $b/classes/simblock/simulator/Main.class && -f $b/stamp && $(cat "$b/stamp") == "$stamp" &&
          -z $(find "$SRC" -name '*.java' -newer "$b/stamp" -print -quit) ]]; then
        echo "$b"
        return
    fi
    echo "building SimBlock for the $net network ($nodes nodes x $blocks blocks) in $b" >&2
    rm -rf "$b"
    mkdir -p "$b/conf" "$b/output/graph"
    cp -r "$SRC" "$b/src"
    local s=$b/src/simblock/settings
    sed -i "${sim[@]}" "$s/SimulationConfiguration.java"
    sed -i "${netcfg[@]}" "$s/NetworkConfiguration.java"
    # Each setting must now be on its line, uncommented: a SimBlock version
    # that spells them otherwise fails here, not in a run of other work.
    local want
    for want in "int NUM_OF_NODES = $nodes;" "int END_BLOCK_HEIGHT = $blocks;" "float CBR_USAGE_RATE = 0f;"; do
        grep -q "^\s*public static final $want" "$s/SimulationConfiguration.java" ||
            die "could not set '$want' in SimulationConfiguration.java (another SimBlock version?)"
    done
    for want in "long\[\]\[\] LATENCY = LATENCY_$net;" "long\[\] DOWNLOAD_BANDWIDTH = DOWNLOAD_BANDWIDTH_$net;" \
                "long\[\] UPLOAD_BANDWIDTH = UPLOAD_BANDWIDTH_$net;" \
                "double\[\] REGION_DISTRIBUTION = REGION_DISTRIBUTION_BITCOIN_$net;" \
                "double\[\] DEGREE_DISTRIBUTION = DEGREE_DISTRIBUTION_BITCOIN_2015;"; do
        grep -q "^\s*public static final $want" "$s/NetworkConfiguration.java" ||
            die "could not set '$want' in NetworkConfiguration.java (another SimBlock version?)"
    done
    # Main finds its output folder as ../output/ beside simulator.conf.
    echo "# Do not remove this file." > "$b/conf/simulator.conf"
    find "$b/src" -name '*.java' > "$b/sources.txt"
    javac -nowarn -encoding UTF-8 -d "$b/classes" @"$b/sources.txt" 2> "$b/javac.log" ||
        { cat "$b/javac.log" >&2; die "javac failed on $b/src"; }
    echo "$stamp" > "$b/stamp"
    echo "$b"
}

# time_field FILE: "wall cpu rss_mb" from GNU time -v's report.
time_fields() {
    awk -F': ' '
        /User time/ {u = $2} /System time/ {s = $2}
        /Maximum resident set size/ {r = $2}
        /Elapsed \(wall clock\)/ {n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i]}
        END {printf "%.3f %.3f %.1f\n", w, u + s, r / 1024}' "$1"
}

run_chainsim() { # NET I -> "wall cpu rss block_transfers messages" on stdout
    local t=$WORK/cs-$1-$2
    # shellcheck disable=SC2086 # CHAINSIM_OPTS is a list of chainsim options
    timeout "${BENCH_TIMEOUT:-1800}" /usr/bin/time -v -o "$t.time" \
        "$BIN" --headless --quiet ${CHAINSIM_OPTS:-} "$(net_scenario "$1")" --report "$t.json" ||
        die "chainsim failed on $(net_scenario "$1") (see $t.time)"
    local work
    work=$(python3 -c 'import json, sys
m = json.load(open(sys.argv[1]))["messages"]
print(m["sent_by_kind"]["block"] + m["sent_by_kind"]["cmpctblock"], m["sent"])' "$t.json")
    echo "$(time_fields "$t.time") $work"
}

run_simblock() { # NET BUILD_DIR I -> "wall cpu rss block_transfers blocks" on stdout
    local b=$2 t=$WORK/sb-$1-$3
    rm -f "$b/output/output.json"
    # shellcheck disable=SC2086 # SIMBLOCK_JAVA_OPTS is a list of JVM options
    timeout "${BENCH_TIMEOUT:-1800}" /usr/bin/time -v -o "$t.time" \
        java ${SIMBLOCK_JAVA_OPTS:-} -cp "$b/classes:$b/conf" simblock.simulator.Main > "$t.out" 2> "$t.err" ||
        { tail -5 "$t.err" >&2; die "SimBlock failed (java -cp $b/classes:$b/conf simblock.simulator.Main)"; }
    [[ -s $b/output/output.json ]] || die "SimBlock wrote no $b/output/output.json"
    local transfers blocks
    transfers=$(grep -o '"kind":"flow-block"' "$b/output/output.json" | wc -l)
    blocks=$(wc -l < "$b/output/blockList.txt")
    echo "$(time_fields "$t.time") $transfers $blocks"
}

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
col() { awk -v c="$2" '{print $c}' "$1" | median; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

echo "bench_simblock: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(loadavg)"
echo "  chainsim: $BIN${CHAINSIM_OPTS:+ $CHAINSIM_OPTS}; SimBlock: $SIMBLOCK_DIR ($(java -version 2>&1 | head -1))"
LOAD_BEFORE=$(loadavg)
for net in $NETS; do
    nodes=$(net_nodes "$net")
    b=$(build_simblock "$net")
    : > "$WORK/cs-$net.runs"
    : > "$WORK/sb-$net.runs"
    echo "$net network, $nodes nodes x 100 blocks, $RUNS runs each, alternating:"
    for ((i = 1; i <= RUNS; i++)); do
        cs=$(run_chainsim "$net" "$i")
        echo "$cs" >> "$WORK/cs-$net.runs"
        sb=$(run_simblock "$net" "$b" "$i")
        echo "$sb" >> "$WORK/sb-$net.runs"
        read -r cw cc cr ct _ <<< "$cs"
        read -r sw sc sr st _ <<< "$sb"
        printf '  run %d (load %s): chainsim %6.2f s wall %6.2f s CPU %7.1f MB %8d transfers | SimBlock %6.2f s wall %6.2f s CPU %7.1f MB %8d transfers | CPU ratio %5.1fx\n' \
            "$i" "$(cut -d' ' -f1 /proc/loadavg)" "$cw" "$cc" "$cr" "$ct" "$sw" "$sc" "$sr" "$st" \
            "$(awk -v a="$sc" -v b="$cc" 'BEGIN {print a / b}')"
        awk -v a="$sc" -v b="$cc" -v c="$sw" -v d="$cw" 'BEGIN {print a / b, c / d}' >> "$WORK/ratio-$net.runs"
    done
    R=$WORK/ratio-$net.runs
    cwm=$(col "$WORK/cs-$net.runs" 1) ccm=$(col "$WORK/cs-$net.runs" 2) crm=$(col "$WORK/cs-$net.runs" 3)
    swm=$(col "$WORK/sb-$net.runs" 1) scm=$(col "$WORK/sb-$net.runs" 2) srm=$(col "$WORK/sb-$net.runs" 3)
    ctm=$(col "$WORK/cs-$net.runs" 4) cmm=$(col "$WORK/cs-$net.runs" 5)
    stm=$(col "$WORK/sb-$net.runs" 4) sbm=$(col "$WORK/sb-$net.runs" 5)
    echo "  medians:"
    printf '    %-9s %7.2f s wall %7.2f s CPU %8.1f MB peak RSS  %9.0f block transfers, %9.0f messages\n' \
        chainsim "$cwm" "$ccm" "$crm" "$ctm" "$cmm"
    printf '    %-9s %7.2f s wall %7.2f s CPU %8.1f MB peak RSS  %9.0f block transfers, %9.0f blocks in blockList.txt\n' \
        SimBlock "$swm" "$scm" "$srm" "$stm" "$sbm"
    printf '  chainsim is %.1fx faster in CPU (medians), %.1fx run by run (median; %.1f-%.1fx), %.1fx in wall time (medians; %.1fx run by run), %.1fx less memory; work %.3f of SimBlock'"'"'s block transfers\n' \
        "$(awk -v a="$scm" -v b="$ccm" 'BEGIN {print a / b}')" "$(col "$R" 1)" \
        "$(sort -g "$R" | head -1 | cut -d' ' -f1)" "$(sort -g "$R" | tail -1 | cut -d' ' -f1)" \
        "$(awk -v a="$swm" -v b="$cwm" 'BEGIN {print a / b}')" "$(col "$R" 2)" \
        "$(awk -v a="$srm" -v b="$crm" 'BEGIN {print a / b}')" "$(awk -v a="$ctm" -v b="$stm" 'BEGIN {print a / b}')"
    if [[ $net == 2019 ]]; then
        printf '  issue 11 target for this run: >= 20x; measured %.1fx (CPU, run by run): %.0f%% of the way\n' \
            "$(col "$R" 1)" "$(awk -v a="$(col "$R" 1)" 'BEGIN {print 100 * a / 20}')"
    fi
done
echo "load average before: $LOAD_BEFORE, after: $(loadavg)"
