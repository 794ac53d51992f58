/* sweep_mpi_none.c - sweep_mpi.h in a build without MPI: every process is
 * rank 0 of a job of one, so every agreement is the process's own. */
#include "sweep/sweep_mpi.h"

#include "sweep/sweep_int.h"

int sweep_mpi_start(int *argc, char ***argv) { return -1; }
int sweep_mpi_rank(void) { return 0; }
int sweep_mpi_size(void) { return 1; }
int sweep_mpi_local_size(void) { return 1; }
bool sweep_mpi_all_ok(bool ok, char *message, size_t message_len) { return ok; }

bool sweep_mpi_same(const void *bytes, size_t len, int *first) {
    if (first) *first = 1;
    return true;
}

int sweep_mpi_end(int code) { return code; }
void sweep__mpi_share_rows(const sweep_plan *p, sweep_row *rows, size_t n) {}
