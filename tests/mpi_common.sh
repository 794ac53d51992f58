# mpi_common.sh - the prologue of the tests that start chainsim under
# mpirun (mpi_ranks.sh, mpi_partition.sh). Source it after shell_common.sh
# with the script's second argument ("mpi" if chainsim was built with MPI):
#     source "$(dirname "$0")/mpi_common.sh" "${2:-}"
# It exits 77 (ctest's skip) when the build has no MPI or mpirun is
# missing, makes $bin absolute (ranks start in other directories) and sets
# Open MPI's and the sanitizers' environment for one machine, and defines
# ranks (below).
# (CMake lists the MPI tests by name, so this file is not taken for one.)
if [ "${1:-}" != mpi ]; then
    echo "SKIP: chainsim was built without MPI (CHAINSIM_MPI=OFF, or no MPI found)"
    exit 77
fi
if ! command -v mpirun >/dev/null; then
    echo "SKIP: no mpirun on PATH (Debian: apt-get install openmpi-bin libopenmpi-dev)"
    exit 77
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
# CI runs as root; Open MPI refuses root unless told twice.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# One machine: shared memory only, and without the cross-process copy that
# containers forbid (ptrace), which would print warnings on rank 0's stderr.
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
# Under ASan, what Open MPI leaves allocated at exit is not ours to fix:
# tests/lsan-mpi.supp names only its libraries. They are built without frame
# pointers, so the fast unwinder loses their frames (the leaks show as
# "<unknown module>" and no suppression matches): unwind slowly instead.
# print_suppressions=0: the count of suppressed leaks would add to stderr.
export LSAN_OPTIONS="suppressions=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lsan-mpi.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"

# ranks TAG NP ARGS...: chainsim ARGS on NP ranks; rank r's stdout, stderr
# and exit code go to $dir/TAG.out.r, .err.r and .rc.r, mpirun's own output
# to $dir/TAG.mpirun. Killed after $mpi_timeout seconds (default 120). The
# shell around each rank exits 0: mpirun kills the whole job as soon as one
# process exits non-zero, which would race the other ranks' .rc files
# (mpi_ranks.sh checks mpirun's own exit code without the shell).
ranks() {
    local tag=$1 np=$2
    shift 2
    timeout "${mpi_timeout:-120}" mpirun -np "$np" --oversubscribe -x T="$dir/$tag" sh -c \
        '"$0" "$@" >"$T.out.$OMPI_COMM_WORLD_RANK" 2>"$T.err.$OMPI_COMM_WORLD_RANK";
         echo $? >"$T.rc.$OMPI_COMM_WORLD_RANK"' \
        "$bin" "$@" >"$dir/$tag.mpirun" 2>&1
}
