/* exec_mpi_none.c - a build without MPI (CHAINSIM_MPI=OFF, or no MPI
 * found): --ranks-partition is refused, saying why (exec_mpi.c is the
 * executor it stands for). */
#include <stdio.h>

#include "sim/sim_int.h"

static bool mxn__accepts(const sim_desc *desc, char *err, size_t err_len) {
    snprintf(err, err_len, "%s: --ranks-partition: this chainsim was built without MPI "
                           "(CMake's CHAINSIM_MPI=OFF, or no MPI found)", desc->scn->path);
    return false;
}

const sim__ops sim__mpi_ops = {.accepts = mxn__accepts};
