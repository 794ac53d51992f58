/* sweep_mpi.h - the ranks of an MPI job, as a sweep needs them.
 *
 * `mpirun -np K chainsim --headless FILE` starts K processes (ranks); a
 * sweep's or a replicated scenario's runs are spread over them (run j, in
 * sweep.h's run order, on rank j mod K) and every rank ends with every row,
 * so the table and the files are those of the single-process run. Only
 * rank 0 prints and writes files: the other ranks' stdout and stderr go to
 * /dev/null, and what they have to say about a failure reaches rank 0
 * through sweep_mpi_all_ok. Everything here is collective: every rank calls
 * the same functions in the same order.
 *
 * Two builds, one interface: sweep_mpi.c with Open MPI (CMake's
 * CHAINSIM_MPI), sweep_mpi_none.c without, where a process is one rank of
 * one and every call below is what it says for K = 1. The MPI build starts
 * MPI only when a launcher's environment says the process is one of a job
 * (OMPI_COMM_WORLD_SIZE: mpirun; PMIX_RANK: PMIx, srun --mpi=pmix;
 * PMI_SIZE: MPICH's hydra, Slurm's PMI-2): started alone, it is the plain
 * binary (MPI's own start-up as a singleton costs 0.4-3.9 s, measured). */
#ifndef CHAINSIM_SWEEP_SWEEP_MPI_H
#define CHAINSIM_SWEEP_SWEEP_MPI_H

#include <stdbool.h>
#include <stddef.h>

/* Call first in main. Starts MPI when launched as part of a job, then
 * checks that every rank got rank 0's command line (an MPMD launch with
 * other arguments, or another binary, would make a different table):
 * returns -1 to go on, or an exit code after printing why (on rank 0) when
 * the ranks' command lines differ. Ranks other than 0 are silenced here. */
int sweep_mpi_start(int *argc, char ***argv);
/* This process's rank, 0..size-1; 0 without a job. */
int sweep_mpi_rank(void);
/* The job's ranks; 1 without a job. */
int sweep_mpi_size(void);
/* The job's ranks on this machine (this one included); 1 without a job. */
int sweep_mpi_local_size(void);

/* Collective: each rank says whether its step succeeded (`ok`) and, if
 * not, why (`message`, a line). Returns true when every rank's did. Else,
 * when rank 0 failed its message is left as it was; when only other ranks
 * did, every rank's message becomes the lowest failing rank's, as
 * "rank N (HOST): why". */
bool sweep_mpi_all_ok(bool ok, char *message, size_t message_len);

/* Collective: true when every rank's bytes equal rank 0's (compared by
 * digest: what each rank read). *first (if not NULL) is the lowest rank
 * whose bytes differ, or the job's size when none do. */
bool sweep_mpi_same(const void *bytes, size_t len, int *first);

/* Collective, at the end of main: every rank returns rank 0's exit code
 * (the one that printed and wrote), then MPI is finalized. Ranks that are
 * done wait for the others asleep, not spinning on the CPU the busy ranks
 * need. Without a job returns code. */
int sweep_mpi_end(int code);

#endif
