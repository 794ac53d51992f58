/* sweep_mpi.c - sweep_mpi.h on Open MPI: a job's ranks, their agreement,
 * and the rows of a sweep shared by all of them.
 *
 * The work needs no master: every rank reads the same file, builds the
 * same plan, and runs the runs j with j mod size == rank on its own worker
 * threads (sweep_run.c). Afterwards each rank packs the rows it filled and
 * one MPI_Allgatherv hands every rank all of them, bit for bit (a metric
 * travels as its IEEE-754 bits), so every rank computes the same stats and
 * the same verdicts from the same rows as a single process would; rank 0
 * alone prints and writes them.
 *
 * Only the main thread calls MPI (MPI_THREAD_FUNNELED): the workers run
 * sims and never see a communicator. Open MPI's blocking collectives spin
 * while they wait, so a rank that has finished its share waits in a
 * non-blocking barrier polled every millisecond instead: on a machine with
 * more ranks than cores (CI's --oversubscribe) a spinning rank would take
 * the CPU from the ones still running. A failure anywhere (a rank that
 * cannot read the file) is agreed on with one MPI_Allreduce, so no rank is
 * left waiting in a collective the others never reach.
 *
 * The packed row (little-endian, whatever the machine):
 *
 *   | u64 run j | u64 seed | u64 x SWEEP_N_METRICS (the doubles' bits) |
 *   | u64 n_expects | u64 n_failed | u8 has flags | n_expects x u8 flags |
 *   | u64 len+1 of failed (0 = NULL) | bytes | same for error |           */
#include "sweep/sweep_mpi.h"

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain/sha256.h"
#include "sweep/sweep_int.h"
#include "util/buf.h"
#include "util/mem.h"

#define SWEEP_MPI_MESSAGE 2048 /* the one size every rank broadcasts */

static struct {
    bool on;       /* MPI_Init ran */
    int rank, size, local_size;
} job = {.size = 1, .local_size = 1};

static bool launched_by_a_launcher(void) {
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        if (getenv(vars[i])) return true;
    return false;
}

/* Sends f to /dev/null. Should that fail, freopen has closed f, which is
 * as silent: false then, and nothing to do about it. */
static bool to_dev_null(FILE *f) { return freopen("/dev/null", "w", f) != NULL; }

int sweep_mpi_start(int *argc, char ***argv) {
    if (!launched_by_a_launcher()) return -1;
    int provided;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided); /* aborts on failure */
    job.on = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &job.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &job.size);
    MPI_Comm local;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
    MPI_Comm_size(local, &job.local_size);
    MPI_Comm_free(&local);
    if (job.rank > 0) { /* rank 0 speaks for the job */
        bool silenced = to_dev_null(stdout) & to_dev_null(stderr);
        (void)silenced;
    }
    buf line; /* argv[1..] with their NULs: argv[0] may name the binary differently */
    buf_init(&line);
    for (int i = 1; i < *argc; i++) buf_append(&line, (*argv)[i], strlen((*argv)[i]) + 1);
    int first;
    bool same = sweep_mpi_same(line.data ? line.data : "", line.len, &first);
    buf_cleanup(&line);
    if (same) return -1;
    fprintf(stderr, "chainsim: rank %d was started with other arguments than rank 0: every "
                    "rank must run the same command line\n", first);
    return 2;
}

int sweep_mpi_rank(void) { return job.rank; }
int sweep_mpi_size(void) { return job.size; }
int sweep_mpi_local_size(void) { return job.local_size; }

bool sweep_mpi_all_ok(bool ok, char *message, size_t message_len) {
    if (!job.on) return ok;
    int mine = ok ? job.size : job.rank, first;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == job.size) return true;
    if (first == 0) return false; /* rank 0's own message is the one printed */
    char why[SWEEP_MPI_MESSAGE];
    if (job.rank == first) {
        char host[MPI_MAX_PROCESSOR_NAME];
        int host_len;
        MPI_Get_processor_name(host, &host_len);
        snprintf(why, sizeof why, "rank %d (%s): %s", first, host, message);
    }
    MPI_Bcast(why, sizeof why, MPI_CHAR, first, MPI_COMM_WORLD);
    snprintf(message, message_len, "%s", why);
    return false;
}

bool sweep_mpi_same(const void *bytes, size_t len, int *first) {
    if (!job.on) return true;
    uint8_t mine[SHA256_LEN], root[SHA256_LEN];
    sha256(mine, bytes, len);
    memcpy(root, mine, sizeof root);
    MPI_Bcast(root, sizeof root, MPI_BYTE, 0, MPI_COMM_WORLD);
    int differs = memcmp(mine, root, sizeof root) ? job.rank : job.size, low;
    MPI_Allreduce(&differs, &low, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first) *first = low;
    return low == job.size;
}

/* Returns when every rank has called it, sleeping between looks. */
static void wait_for_every_rank(void) {
    MPI_Request req;
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    for (int done = 0;;) {
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        if (done) return;
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
}

int sweep_mpi_end(int code) {
    if (!job.on) return code;
    fflush(stdout);
    fflush(stderr);
    wait_for_every_rank();
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    job.on = false;
    return code;
}

/* ---- rows on the wire ------------------------------------------------- */

static void put_u64(buf *b, uint64_t v) {
    unsigned char le[8];
    for (int i = 0; i < 8; i++) le[i] = (unsigned char)(v >> (8 * i));
    buf_append(b, le, sizeof le);
}

static void put_text(buf *b, const char *s) {
    size_t n = s ? strlen(s) : 0;
    put_u64(b, s ? n + 1 : 0);
    buf_append(b, s ? s : "", n);
}

static void pack_row(buf *b, size_t j, const sweep_row *row) {
    put_u64(b, j);
    put_u64(b, row->seed);
    for (int i = 0; i < SWEEP_N_METRICS; i++) {
        uint64_t bits;
        memcpy(&bits, &row->metric[i], sizeof bits);
        put_u64(b, bits);
    }
    put_u64(b, row->n_expects);
    put_u64(b, row->n_failed);
    buf_putc(b, row->rule_failed ? 1 : 0);
    for (size_t i = 0; row->rule_failed && i < row->n_expects; i++)
        buf_putc(b, row->rule_failed[i] ? 1 : 0);
    put_text(b, row->failed);
    put_text(b, row->error);
}

/* A reader over one rank's bytes; they were packed by the same code, so a
 * short read is a broken job, not bad input: it aborts the job. */
typedef struct reader {
    const unsigned char *at, *end;
} reader;

static const unsigned char *take(reader *r, size_t n) {
    if ((size_t)(r->end - r->at) < n) {
        fputs("chainsim: MPI: a rank's rows arrived cut short\n", stderr);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    const unsigned char *p = r->at;
    r->at += n;
    return p;
}

static uint64_t get_u64(reader *r) {
    const unsigned char *le = take(r, 8);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)le[i] << (8 * i);
    return v;
}

static char *get_text(reader *r) {
    uint64_t n = get_u64(r);
    if (n == 0) return NULL;
    const unsigned char *s = take(r, (size_t)n - 1);
    char *t = xmalloc((size_t)n);
    memcpy(t, s, (size_t)n - 1);
    t[n - 1] = '\0';
    return t;
}

static void unpack_row(reader *r, const sweep_plan *p, sweep_row *rows, size_t n) {
    size_t j = (size_t)get_u64(r);
    if (j >= n) {
        fputs("chainsim: MPI: a rank sent a run this plan does not have\n", stderr);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    sweep_row *row = &rows[j];
    row->point = j / (size_t)p->seeds;
    row->seed_index = (int)(j % (size_t)p->seeds);
    row->seed = get_u64(r);
    for (int i = 0; i < SWEEP_N_METRICS; i++) {
        uint64_t bits = get_u64(r);
        memcpy(&row->metric[i], &bits, sizeof bits);
    }
    row->n_expects = (size_t)get_u64(r);
    row->n_failed = (size_t)get_u64(r);
    if (*take(r, 1)) {
        row->rule_failed = xcalloc(row->n_expects + 1, sizeof *row->rule_failed);
        for (size_t i = 0; i < row->n_expects; i++) row->rule_failed[i] = *take(r, 1) != 0;
    }
    row->failed = get_text(r);
    row->error = get_text(r);
}

void sweep__mpi_share_rows(const sweep_plan *p, sweep_row *rows, size_t n) {
    if (!job.on || job.size == 1) return;
    buf mine;
    buf_init(&mine);
    for (size_t j = (size_t)job.rank; j < n; j += (size_t)job.size) pack_row(&mine, j, &rows[j]);
    if (mine.len > INT32_MAX) {
        fputs("chainsim: MPI: a rank's rows pass 2 GB\n", stderr);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    wait_for_every_rank(); /* the early ones asleep, not in the spinning collectives */
    int len = (int)mine.len;
    int *lens = xmalloc((size_t)job.size * sizeof *lens);
    int *offs = xmalloc((size_t)job.size * sizeof *offs);
    MPI_Allgather(&len, 1, MPI_INT, lens, 1, MPI_INT, MPI_COMM_WORLD);
    size_t total = 0;
    for (int k = 0; k < job.size; k++) {
        if (total + (size_t)lens[k] > INT32_MAX) {
            fputs("chainsim: MPI: a sweep's rows pass 2 GB\n", stderr);
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
        offs[k] = (int)total;
        total += (size_t)lens[k];
    }
    unsigned char *all = xmalloc(total ? total : 1);
    MPI_Allgatherv(mine.data, len, MPI_BYTE, all, lens, offs, MPI_BYTE, MPI_COMM_WORLD);
    for (int k = 0; k < job.size; k++) {
        if (k == job.rank) continue; /* this rank's rows are in place */
        reader r = {all + offs[k], all + offs[k] + lens[k]};
        while (r.at < r.end) unpack_row(&r, p, rows, n);
    }
    free(all);
    free(offs);
    free(lens);
    buf_cleanup(&mine);
}
