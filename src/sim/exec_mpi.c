/* exec_mpi.c - the virtual-time executor with one run's nodes split over
 * the ranks of an MPI job (--ranks-partition), and the sequential run's
 * output on rank 0, byte for byte.
 *
 * Every rank builds the whole sim (sim_new is deterministic): scenario,
 * wire, topology, every node struct. Rank r runs only nodes [lo, hi) =
 * [r * chunk, (r + 1) * chunk), in one lane (exec_lane.h) on one thread;
 * the other node structs are never touched. The run's own entries (the
 * scenario's events, the end) are queued and run on every rank alike, so
 * their keys and the wire's shared state (partitions, link latency and
 * loss) are the same everywhere; a command reaches a node only on its own
 * rank. The store of a rank holds the blocks its nodes saw, always with
 * their ancestors (so every block is rooted wherever it is), and the
 * holder bits of its own nodes.
 *
 * Windows, as in the parallel executor (exec_parallel.c): every message
 * takes at least the lookahead L, so a window [W, E), with W the earliest
 * entry of all ranks and E the next multiple of L (or the next own entry,
 * or the end of the drain), can run on every rank at once: nothing one
 * rank sends can arrive before E. Between windows the ranks exchange, in
 * one MPI_Alltoall of 4,000-byte blocks (an MPI_Alltoallv after it for
 * what does not fit: mx__exchange), the records each made for each other
 * rank:
 *
 *   | 'B' | a block: its wire JSON (block_to_json) and sim_bytes, sent once |
 *   |     | per (block, rank), its unsent ancestors first; interned there   |
 *   | 'E' | a queue entry for a node of that rank: (time, key, aux) and the  |
 *   |     | block of an announcement, or the message (blocks by hash, its    |
 *   |     | transaction by value)                                            |
 *   | 'V' | to rank 0: an event, with the (time, key, sub) of its place      |
 *   |     | (its blocks by hash, its transaction by value)                   |
 *   | 'N' | to rank 0, after the run: a node's final snapshot (tip by hash)  |
 *
 * ahead of them each block's header says the sender's earliest entry (in
 * its lane or its outboxes) and earliest event reaching the stop height,
 * so every rank knows the next window's start and the stop alike.
 *
 * Why the same bytes. Keys say who made an entry and how many that node
 * made before (exec_lane.h), so each rank's lane holds exactly the
 * sequential queue's entries for its nodes, and runs them in that order.
 * Events are never handed to sinks where they are emitted: rank 0 merges
 * its own and every rank's by (time, key, sub) and dispatches them. A
 * window's events carry the (time, key) of their entry, which ran on one
 * rank (sub 0); an own entry's carry its (time, key) and sub = 2 k + 1
 * inside its k-th command (which ran on one rank) or 2 k after k commands
 * (the events of the run's own, such as a partition, kept on rank 0
 * only). Two ranks' events never share a place: if they did, the run
 * stops with an error instead of guessing an order. Blocks are the same
 * objects for every derivation: a received block is parsed, checked
 * against its stated hash and interned, and the store derives its
 * verdict and ledger as on the rank that made it. A transaction travels
 * as its canonical JSON (tx.h), every time: it is immutable and nodes and
 * sinks know it by its id and fields, never by its address, so the copy
 * the receiving rank parses (and checks byte for byte against what was
 * sent) acts as the one object of the single process does; the message
 * or event that carries it holds the copy's one reference.
 *
 * What does not cross yet, and is refused by mx__accepts: attackers
 * (their own blocks and rules), churn; and, in sim_new, links without
 * lookahead or download queues, as for the parallel executor. Driven by
 * sim_run only. */
#include <mpi.h>
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/bstore.h"
#include "chain/tx.h"
#include "sim/exec_lane.h"
#include "util/buf.h"
#include "util/hmap.h"
#include "util/log.h"
#include "util/mem.h"

/* An event kept until rank 0 merges it, at its place (t, key, sub). */
typedef struct mx_ev {
    int64_t t_us;
    uint64_t key, sub;
    sim_event ev;
} mx_ev;

typedef struct mx_evs {
    mx_ev *v;
    size_t n, cap, pos;
} mx_evs;

typedef struct mx {
    sim *s;
    int rank, size;
    bool mpi;                  /* MPI is up (else a job of one) */
    int chunk, lo, hi;         /* this rank's nodes: [lo, hi) */
    sim__lane lane;            /* their entries */
    sim__lane own;             /* the run's own entries (on every rank alike) */
    uint64_t *made;
    bool started, done;
    sim__wind wind;
    double speed;
    bool paused;
    bool in_window;            /* the lane is running */
    int64_t own_t;             /* the own entry running: its place */
    uint64_t own_key;
    uint64_t n_cmd, cur_cmd;   /* commands of this own entry so far; the running one */
    bool in_cmd;               /* a command runs on one of this rank's nodes */
    int64_t stop_t;            /* the earliest event here reaching the stop height */
    buf *out;                  /* out[d]: records for rank d */
    ptrset *sent;              /* sent[d]: blocks rank d holds, as far as known here */
    mx_evs *evs;               /* rank 0: evs[r]: rank r's events to merge */
    int64_t out_min;           /* the earliest entry put in an outbox since the exchange */
    int *scount, *sdisp, *rcount, *rdisp;
    char *rbuf, *sbuf, *joined;
    size_t rcap, scap, jcap;
    uint64_t events_total;     /* every rank's entries run, after the run */
    sim_sends sends_total;     /* every rank's sends, after the run */
    uint64_t windows, exchanges, bytes_sent; /* for the log (-v) */
} mx;

static inline mx *mx__of(const sim *s) { return s->exec; }

static _Noreturn void mx__fatal(const mx *p, const char *what) {
    fprintf(stderr, "chainsim: %s: --ranks-partition (rank %d of %d): %s\n", p->s->scn->path,
            p->rank, p->size, what);
    fflush(stderr);
    if (p->mpi) MPI_Abort(MPI_COMM_WORLD, 2);
    exit(2);
}

/* ---- records ---- */

static void mx__put(buf *b, const void *v, size_t n) { buf_append(b, v, n); }
#define MX_PUT(b, x) mx__put((b), &(x), sizeof(x))

typedef struct mx_rd {
    const mx *p;
    const char *at, *end;
    int from;
} mx_rd;

static void mx__get(mx_rd *r, void *v, size_t n) {
    if ((size_t)(r->end - r->at) < n) mx__fatal(r->p, "a record from another rank is cut short");
    memcpy(v, r->at, n);
    r->at += n;
}
#define MX_GET(r, x) mx__get((r), &(x), sizeof(x))

/* Makes sure rank d's store holds b and its ancestors: 'B' records for
 * those not sent to (nor received from) d yet, oldest first. */
static void mx__ship(mx *p, int d, const block *b) {
    if (!b || ptrset_has(&p->sent[d], b)) return;
    const block **up = NULL;
    size_t n = 0, cap = 0;
    for (const block *x = b; x && !ptrset_has(&p->sent[d], x); x = x->parent) {
        if (!atomic_load_explicit(&x->rooted, memory_order_acquire))
            mx__fatal(p, "a block whose ancestors are not all known would cross ranks");
        up = xgrow(up, &cap, n + 1, sizeof *up);
        up[n++] = x;
    }
    buf *o = &p->out[d];
    for (size_t i = n; i-- > 0;) {
        const block *x = up[i];
        uint32_t len = (uint32_t)x->wire_bytes;
        int64_t sim_bytes = x->sim_bytes;
        mx__put(o, "B", 1);
        MX_PUT(o, len);
        MX_PUT(o, sim_bytes);
        size_t before = o->len;
        block_to_json(o, x);
        if (o->len - before != len) mx__fatal(p, "a block's JSON is not its wire_bytes long");
        ptrset_add(&p->sent[d], x);
    }
    free(up);
}

static void mx__put_hash(buf *o, const block *b) {
    uint8_t has = b != NULL;
    MX_PUT(o, has);
    if (b) mx__put(o, b->hash, SHA256_LEN);
}

static block *mx__get_hash(mx_rd *r) {
    uint8_t has;
    MX_GET(r, has);
    if (!has) return NULL;
    uint8_t h[SHA256_LEN];
    mx__get(r, h, sizeof h);
    block *b = bstore_get(r->p->s->store, h);
    if (!b) mx__fatal(r->p, "a block named by another rank was never sent here");
    return b;
}

static void mx__read_block(mx_rd *r) {
    uint32_t len;
    int64_t sim_bytes;
    MX_GET(r, len);
    MX_GET(r, sim_bytes);
    if ((size_t)(r->end - r->at) < len) mx__fatal(r->p, "a block from another rank is cut short");
    cJSON *obj = cJSON_ParseWithLength(r->at, len);
    r->at += len;
    char detail[160] = "";
    reject why;
    block *b = obj ? block_from_json(obj, bstore_params(r->p->s->store)->ledger, &why, detail,
                                     sizeof detail)
                   : NULL;
    cJSON_Delete(obj);
    if (!b) mx__fatal(r->p, "a block from another rank does not parse back");
    b->sim_bytes = sim_bytes;
    b = bstore_intern(r->p->s->store, b);
    ptrset_add(&r->p->sent[r->from], b);
}

/* A transaction (or none) by value: its canonical JSON. */
static void mx__put_tx(const mx *p, buf *o, const tx *t) {
    uint8_t has = t != NULL;
    MX_PUT(o, has);
    if (!t) return;
    if (t->canon_len > UINT32_MAX) mx__fatal(p, "a transaction over 4 GB");
    uint32_t len = (uint32_t)t->canon_len;
    MX_PUT(o, len);
    mx__put(o, t->canon, len);
}

/* The transaction mx__put_tx wrote, parsed back: a new tx with one
 * reference (NULL for none). Its canonical bytes must be the sender's. */
static tx *mx__get_tx(mx_rd *r) {
    uint8_t has;
    MX_GET(r, has);
    if (!has) return NULL;
    uint32_t len;
    MX_GET(r, len);
    if ((size_t)(r->end - r->at) < len) mx__fatal(r->p, "a transaction from another rank is cut short");
    const char *json = r->at;
    r->at += len;
    cJSON *obj = cJSON_ParseWithLength(json, len);
    reject why;
    tx *t = obj ? tx_from_json(obj, bstore_params(r->p->s->store)->ledger, &why, NULL, 0) : NULL;
    cJSON_Delete(obj);
    if (!t || t->canon_len != len || memcmp(t->canon, json, len) != 0) {
        tx_unref(t);
        mx__fatal(r->p, "a transaction from another rank does not parse back to its bytes");
    }
    return t;
}

/* An entry for a node of rank d: its blocks first, then the entry. */
static void mx__put_entry(mx *p, int d, const heap_entry *e) {
    buf *o = &p->out[d];
    bool inv = sim__tag(e->aux) == TAG_BLOCK_INV;
    const msg *m = inv ? NULL : e->item;
    if (inv) {
        mx__ship(p, d, e->item);
    } else {
        if (!m || m->cmd) mx__fatal(p, "a command would cross ranks");
        mx__ship(p, d, m->block);
        for (size_t i = 0; i < m->n_blocks; i++) mx__ship(p, d, m->blocks[i]);
    }
    if (e->t_us < p->out_min) p->out_min = e->t_us;
    mx__put(o, "E", 1);
    MX_PUT(o, e->t_us);
    MX_PUT(o, e->seq);
    MX_PUT(o, e->aux);
    if (inv) {
        mx__put_hash(o, e->item);
        return;
    }
    int32_t kind = m->kind, from = m->from, to = m->to;
    uint8_t rest = m->compact_rest;
    uint64_t nb = m->n_blocks;
    MX_PUT(o, kind);
    MX_PUT(o, from);
    MX_PUT(o, to);
    MX_PUT(o, m->sent_us);
    MX_PUT(o, m->deliver_us);
    MX_PUT(o, m->size_bytes);
    MX_PUT(o, m->validate_blocks);
    MX_PUT(o, m->validate_bytes);
    MX_PUT(o, rest);
    mx__put_hash(o, m->block);
    MX_PUT(o, nb);
    for (size_t i = 0; i < m->n_blocks; i++) mx__put_hash(o, m->blocks[i]);
    mx__put_tx(p, o, m->tx);
}

static void mx__read_entry(mx_rd *r) {
    mx *p = (mx *)r->p;
    heap_entry e;
    MX_GET(r, e.t_us);
    MX_GET(r, e.seq);
    MX_GET(r, e.aux);
    if (sim__tag(e.aux) == TAG_BLOCK_INV) {
        e.item = mx__get_hash(r);
    } else {
        int32_t kind, from, to;
        uint8_t rest;
        uint64_t nb;
        MX_GET(r, kind);
        MX_GET(r, from);
        MX_GET(r, to);
        msg *m = msg_new((msg_kind)kind);
        m->from = from;
        m->to = to;
        MX_GET(r, m->sent_us);
        MX_GET(r, m->deliver_us);
        MX_GET(r, m->size_bytes);
        MX_GET(r, m->validate_blocks);
        MX_GET(r, m->validate_bytes);
        MX_GET(r, rest);
        m->compact_rest = rest;
        m->block = mx__get_hash(r);
        MX_GET(r, nb);
        if (nb > (uint64_t)(r->end - r->at)) mx__fatal(p, "a message's blocks are cut short");
        m->n_blocks = (size_t)nb;
        m->blocks = nb ? xmalloc((size_t)nb * sizeof *m->blocks) : NULL;
        for (size_t i = 0; i < m->n_blocks; i++) m->blocks[i] = mx__get_hash(r);
        m->tx = mx__get_tx(r); /* the message's reference */
        if (to < p->lo || to >= p->hi) mx__fatal(p, "a message came to the wrong rank");
        e.item = m;
    }
    evq_push(&p->lane.queue, e.t_us, e.seq, e.item, e.aux);
}

static void mx__ev_add(mx_evs *l, int64_t t, uint64_t key, uint64_t sub, const sim_event *ev) {
    l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof *l->v);
    l->v[l->n++] = (mx_ev){t, key, sub, *ev};
}

static void mx__put_event(mx *p, int64_t t, uint64_t key, uint64_t sub, const sim_event *ev) {
    mx__ship(p, 0, ev->block);
    mx__ship(p, 0, ev->old_tip);
    buf *o = &p->out[0];
    mx__put(o, "V", 1);
    MX_PUT(o, t);
    MX_PUT(o, key);
    MX_PUT(o, sub);
    MX_PUT(o, *ev);
    mx__put_hash(o, ev->block);
    mx__put_hash(o, ev->old_tip);
    mx__put_tx(p, o, ev->tx);
}

static void mx__read_event(mx_rd *r) {
    mx *p = (mx *)r->p;
    int64_t t;
    uint64_t key, sub;
    sim_event ev;
    MX_GET(r, t);
    MX_GET(r, key);
    MX_GET(r, sub);
    MX_GET(r, ev);
    ev.block = mx__get_hash(r);
    ev.old_tip = mx__get_hash(r);
    ev.tx = mx__get_tx(r); /* the kept event's reference, dropped after the merge */
    mx__ev_add(&p->evs[r->from], t, key, sub, &ev);
}

/* After the run: node i's snapshot, for rank 0 to adopt. */
static void mx__put_snapshot(mx *p, int32_t id) {
    node_snapshot snap;
    node_snapshot_get(p->s->nodes[id], &snap);
    mx__ship(p, 0, snap.tip);
    buf *o = &p->out[0];
    uint8_t bal = snap.balances != NULL;
    mx__put(o, "N", 1);
    MX_PUT(o, id);
    MX_PUT(o, snap);
    MX_PUT(o, bal);
    mx__put_hash(o, snap.tip);
    node_snapshot_release(&snap);
}

static void mx__read_snapshot(mx_rd *r) {
    mx *p = (mx *)r->p;
    int32_t id;
    node_snapshot snap;
    uint8_t bal;
    MX_GET(r, id);
    MX_GET(r, snap);
    MX_GET(r, bal);
    snap.tip = mx__get_hash(r);
    snap.balances = NULL;
    if (id < 0 || id >= p->s->n_nodes || !snap.tip) mx__fatal(p, "a snapshot names no node");
    if (bal) {
        if (bstore_verdict(p->s->store, (block *)snap.tip) != BLOCK_VALID)
            mx__fatal(p, "a node's tip is valid on its rank, not on rank 0");
        snap.balances = snap.tip->ledger;
    }
    node_snapshot_adopt(p->s->nodes[id], &snap);
}

static void mx__read(mx *p, int from, const char *at, size_t len) {
    mx_rd r = {p, at, at + len, from};
    while (r.at < r.end) {
        char tag = *r.at++;
        switch (tag) {
        case 'B': mx__read_block(&r); break;
        case 'E': mx__read_entry(&r); break;
        case 'V': mx__read_event(&r); break;
        case 'N': mx__read_snapshot(&r); break;
        default: mx__fatal(p, "a record of an unknown kind came from another rank");
        }
    }
}

/* ---- the exchange and the merge ---- */

static bool mx__before(const mx_ev *a, const mx_ev *b) {
    if (a->t_us != b->t_us) return a->t_us < b->t_us;
    if (a->key != b->key) return a->key < b->key;
    return a->sub < b->sub;
}

/* Rank 0: every rank's events in the sequential order, to the sinks. */
static void mx__merge(mx *p) {
    for (;;) {
        mx_evs *best = NULL;
        for (int i = 0; i < p->size; i++) {
            mx_evs *l = &p->evs[i];
            if (l->pos >= l->n) continue;
            if (best && !mx__before(&l->v[l->pos], &best->v[best->pos])) {
                if (!mx__before(&best->v[best->pos], &l->v[l->pos]))
                    mx__fatal(p, "two ranks emitted events at the same place in the order");
                continue;
            }
            best = l;
        }
        if (!best) break;
        const sim_event *ev = &best->v[best->pos++].ev;
        sim__dispatch(p->s, ev);
        tx_unref((tx *)ev->tx);
    }
    for (int i = 0; i < p->size; i++) p->evs[i].n = p->evs[i].pos = 0;
}

/* What a rank tells each other rank at every exchange, ahead of the
 * records: how many bytes it has for it, the earliest entry it still
 * holds or sends (its lane's next, its outboxes'), the earliest event it
 * saw reach the stop height, and whether any of its outboxes holds more
 * than fits beside the header. */
typedef struct mx_head {
    int64_t len, next_t, stop_t, spill;
} mx_head;
/* Record bytes that travel with the header in the exchange's one
 * MPI_Alltoall; the rest of a larger outbox (a block announced to
 * thousands of peers) follows in an MPI_Alltoallv, only in the exchanges
 * where some rank has more. */
#define MX_INLINE 3968 /* a 4,000-byte block: under the 4 kB eager limit of Open MPI's shared memory */
#define MX_BLOCK (sizeof(mx_head) + MX_INLINE)

/* Collective: every rank's records reach their ranks (rank 0 dispatches
 * the events they and its own make); g[0] becomes the earliest entry of
 * every rank after it, g[1] the earliest event of any rank reaching the
 * stop height since the last exchange. One MPI_Alltoall (and, when an
 * outbox is over MX_INLINE bytes, one MPI_Alltoallv): on a machine whose
 * cores are shared a collective costs a wake-up of the other ranks, which
 * is most of a window's cost. */
static void mx__exchange(mx *p, int64_t g[2]) {
    const heap_entry *top = evq_peek(&p->lane.queue);
    g[0] = top ? top->t_us : INT64_MAX;
    if (p->out_min < g[0]) g[0] = p->out_min;
    g[1] = p->stop_t;
    p->out_min = INT64_MAX;
    p->stop_t = INT64_MAX;
    if (p->size > 1) {
        size_t k = (size_t)p->size;
        int64_t spill = 0;
        for (int d = 0; d < p->size; d++)
            if (p->out[d].len > MX_INLINE) spill = 1;
        p->sbuf = xgrow(p->sbuf, &p->scap, k * MX_BLOCK, 1);
        p->rbuf = xgrow(p->rbuf, &p->rcap, k * MX_BLOCK, 1);
        for (int d = 0; d < p->size; d++) {
            mx_head h = {(int64_t)p->out[d].len, g[0], g[1], spill};
            char *at = p->sbuf + (size_t)d * MX_BLOCK;
            memcpy(at, &h, sizeof h);
            size_t n = p->out[d].len < MX_INLINE ? p->out[d].len : MX_INLINE;
            if (n) memcpy(at + sizeof h, p->out[d].data, n);
        }
        MPI_Alltoall(p->sbuf, (int)MX_BLOCK, MPI_BYTE, p->rbuf, (int)MX_BLOCK, MPI_BYTE,
                     MPI_COMM_WORLD);
        p->exchanges++;
        bool more = false;
        for (int r = 0; r < p->size; r++) {
            mx_head h;
            memcpy(&h, p->rbuf + (size_t)r * MX_BLOCK, sizeof h);
            if (h.next_t < g[0]) g[0] = h.next_t;
            if (h.stop_t < g[1]) g[1] = h.stop_t;
            more |= h.spill != 0;
            p->rcount[r] = h.len > MX_INLINE ? (int)(h.len - MX_INLINE) : 0;
        }
        char *rest = NULL;
        if (more) { /* the same on every rank: every rank saw every spill flag */
            size_t total = 0, rtotal = 0;
            for (int d = 0; d < p->size; d++) {
                size_t n = p->out[d].len > MX_INLINE ? p->out[d].len - MX_INLINE : 0;
                if (n > INT_MAX || total + n > INT_MAX) mx__fatal(p, "over 2 GB of records in one exchange");
                p->scount[d] = (int)n;
                p->sdisp[d] = (int)total;
                total += n;
            }
            for (int r = 0; r < p->size; r++) {
                p->rdisp[r] = (int)rtotal;
                rtotal += (size_t)p->rcount[r];
            }
            if (rtotal > INT_MAX) mx__fatal(p, "over 2 GB of records in one exchange");
            char *send = xmalloc(total + 1);
            for (int d = 0; d < p->size; d++)
                if (p->scount[d]) memcpy(send + p->sdisp[d], p->out[d].data + MX_INLINE, (size_t)p->scount[d]);
            rest = xmalloc(rtotal + 1);
            MPI_Alltoallv(send, p->scount, p->sdisp, MPI_BYTE, rest, p->rcount, p->rdisp, MPI_BYTE,
                          MPI_COMM_WORLD);
            free(send);
        }
        for (int d = 0; d < p->size; d++) {
            p->bytes_sent += d == p->rank ? 0 : p->out[d].len;
            buf_reset(&p->out[d]);
        }
        for (int r = 0; r < p->size; r++) {
            if (r == p->rank) continue;
            mx_head h;
            const char *at = p->rbuf + (size_t)r * MX_BLOCK;
            memcpy(&h, at, sizeof h);
            if (!h.len) continue;
            size_t len = (size_t)h.len;
            if (len <= MX_INLINE) {
                mx__read(p, r, at + sizeof h, len);
                continue;
            }
            p->joined = xgrow(p->joined, &p->jcap, len, 1);
            memcpy(p->joined, at + sizeof h, MX_INLINE);
            memcpy(p->joined + MX_INLINE, rest + p->rdisp[r], len - MX_INLINE);
            mx__read(p, r, p->joined, len);
        }
        free(rest);
    }
    if (p->rank == 0) mx__merge(p);
}

/* ---- the node_env ---- */

static int64_t mx__now(void *ctx) {
    mx *p = ctx;
    return p->in_window ? p->lane.now_us : p->own.now_us;
}

static void mx__send(void *ctx, msg *m) {
    mx *p = ctx;
    sim__lane *from = p->in_window ? &p->lane : &p->own;
    if (!sim__route(p->s, m, from->now_us, &from->sends)) return;
    int d = m->to / p->chunk;
    if (d == p->rank) {
        sim__lane_push_msg(&p->lane, m);
        return;
    }
    /* Another rank's node: it arrives at or after this window's end. */
    heap_entry e = sim__lane_msg_entry(&p->lane, m);
    mx__put_entry(p, d, &e);
    if (sim__tag(e.aux) != TAG_BLOCK_INV) msg_free(e.item);
}

static void mx__set_timer(void *ctx, int node_id, int64_t at_us, node_timer_kind kind,
                          uint32_t token) {
    mx *p = ctx;
    if (node_id < p->lo || node_id >= p->hi) mx__fatal(p, "a timer for another rank's node");
    /* Between windows a timer due at once runs after the current command. */
    sim__lane *l = !p->in_window && at_us <= p->own.now_us ? &p->own : &p->lane;
    sim__lane_push_timer(l, node_id, at_us, kind, token);
}

static void mx__emit(void *ctx, const sim_event *ev) { sim__emit(((mx *)ctx)->s, ev); }
static bool mx__mining_enabled(void *ctx) { return sim__mining_enabled(((mx *)ctx)->s); }

/* Every event waits for rank 0's merge, at its place in the order. */
static bool mx__defer(sim *s, const sim_event *ev) {
    mx *p = mx__of(s);
    int64_t t;
    uint64_t key, sub;
    if (p->in_window) {
        t = p->lane.cur_t_us, key = p->lane.cur_key, sub = 0;
    } else {
        /* The run's own events (a partition, links) are every rank's:
         * rank 0's stand for them. */
        if (!p->in_cmd && p->rank != 0) return true;
        t = p->own_t, key = p->own_key;
        sub = p->in_cmd ? 2 * p->cur_cmd + 1 : 2 * p->n_cmd;
    }
    if (sim__reaches_stop_height(s, ev) && ev->t_us < p->stop_t) p->stop_t = ev->t_us;
    if (p->rank == 0) {
        mx__ev_add(&p->evs[0], t, key, sub, ev);
        if (ev->tx) tx_ref((tx *)ev->tx); /* the message that carries it may go first */
    } else {
        mx__put_event(p, t, key, sub, ev);
    }
    return true;
}

/* ---- the ops ---- */

static bool mx__accepts(const sim_desc *desc, char *err, size_t err_len) {
    const scenario *scn = desc->scn;
    if (!sim__virtual_ops.accepts(desc, err, err_len)) return false;
    char what[160] = "";
    if (desc->executor != SIM_VIRTUAL || desc->live) {
        snprintf(err, err_len, "%s: --ranks-partition runs the virtual executor, not %s",
                 scn->path, desc->live ? "a live run (--http)" : "the threads executor");
        return false;
    }
    if (scn->n_attackers) snprintf(what, sizeof what, "attackers");
    else if (scn->churn.mean_up_us > 0 || scn->churn.mean_down_us > 0)
        snprintf(what, sizeof what, "churn");
    if (!what[0]) return true;
    snprintf(err, err_len, "%s: --ranks-partition cannot split this run yet: it carries blocks and "
                           "transactions between MPI ranks, not %s", scn->path, what);
    return false;
}

static void mx__init(sim *s) {
    mx *p = xcalloc(1, sizeof *p);
    p->s = s;
    p->speed = s->desc.speed > 0 ? s->desc.speed : 1.0;
    int up = 0;
    MPI_Initialized(&up);
    p->mpi = up;
    p->size = 1;
    if (up) {
        MPI_Comm_rank(MPI_COMM_WORLD, &p->rank);
        MPI_Comm_size(MPI_COMM_WORLD, &p->size);
    }
    p->chunk = (s->n_nodes + p->size - 1) / p->size;
    if (p->chunk < 1) p->chunk = 1;
    p->lo = p->rank * p->chunk < s->n_nodes ? p->rank * p->chunk : s->n_nodes;
    p->hi = p->lo + p->chunk < s->n_nodes ? p->lo + p->chunk : s->n_nodes;
    p->made = xcalloc((size_t)s->n_nodes + 1, sizeof *p->made);
    sim__lane_init(&p->lane, s, p->made);
    sim__lane_init(&p->own, s, p->made);
    p->stop_t = INT64_MAX;
    p->out_min = INT64_MAX;
    p->out = xcalloc((size_t)p->size, sizeof *p->out);
    p->sent = xcalloc((size_t)p->size, sizeof *p->sent);
    p->evs = xcalloc((size_t)p->size, sizeof *p->evs);
    for (int d = 0; d < p->size; d++) {
        buf_init(&p->out[d]);
        ptrset_init(&p->sent[d]);
    }
    p->scount = xcalloc((size_t)p->size * 4, sizeof *p->scount);
    p->sdisp = p->scount + p->size;
    p->rcount = p->sdisp + p->size;
    p->rdisp = p->rcount + p->size;
    s->exec = p;
    s->env = (node_env){.ctx = p, .now_us = mx__now, .send = mx__send,
                        .set_timer = mx__set_timer, .emit = mx__emit,
                        .mining_enabled = mx__mining_enabled};
}

static void mx__free(sim *s) {
    mx *p = mx__of(s);
    if (!p) return;
    sim__lane_cleanup(&p->lane);
    sim__lane_cleanup(&p->own);
    for (int d = 0; d < p->size; d++) {
        buf_cleanup(&p->out[d]);
        ptrset_cleanup(&p->sent[d]);
        for (size_t i = p->evs[d].pos; i < p->evs[d].n; i++) tx_unref((tx *)p->evs[d].v[i].ev.tx);
        free(p->evs[d].v);
    }
    free(p->out);
    free(p->sent);
    free(p->evs);
    free(p->scount);
    free(p->sbuf);
    free(p->rbuf);
    free(p->joined);
    free(p->made);
    free(p);
    s->exec = NULL;
}

static void mx__command(sim *s, int node_id, node_cmd *cmd) {
    mx *p = mx__of(s);
    p->cur_cmd = p->n_cmd++;
    if (node_id < p->lo || node_id >= p->hi) { /* another rank's: it runs it there */
        node_cmd_free(cmd);
        return;
    }
    p->in_cmd = true;
    msg *m = msg_new(MSG_COMMAND);
    m->to = node_id;
    m->cmd = cmd;
    node_handle(s->nodes[node_id], m);
    sim__lane_run_due(&p->own, p->wind.winding);
    p->in_cmd = false;
}

static void mx__begin(mx *p) {
    p->started = true;
    sim *s = p->s;
    /* Every rank emits what rank 0's sinks want (only rank 0's get them). */
    if (p->size > 1) MPI_Bcast(&s->sink_kinds, 1, MPI_UINT32_T, 0, MPI_COMM_WORLD);
    for (int d = 0; d < p->size; d++) ptrset_add(&p->sent[d], bstore_genesis(s->store));
    /* Starting the nodes: each rank's, as if one command (before any entry). */
    p->own_t = -1;
    p->own_key = 0;
    p->in_cmd = true;
    sim__lane_begin_nodes(&p->own, &p->wind, p->lo, p->hi);
    p->in_cmd = false;
}

static cs_err mx__start(sim *s) {
    mx *p = mx__of(s);
    if (p->started) return CS_EEXIST;
    mx__begin(p);
    return CS_OK;
}

/* Runs the lane up to (not including) `end`. */
static void mx__window(mx *p, int64_t end) {
    sim__lane *l = &p->lane;
    p->in_window = true;
    p->windows++;
    const heap_entry *top;
    while ((top = evq_peek(&l->queue)) && top->t_us < end) {
        heap_entry e;
        evq_pop(&l->queue, &e);
        if (sim__lane_void(l, &e, p->wind.winding)) continue;
        sim__lane_run_node(l, &e);
        sim__lane_run_due(l, p->wind.winding);
    }
    p->in_window = false;
    if (l->now_us > p->own.now_us) p->own.now_us = l->now_us;
}

/* After the run, collective: the end time, the count of entries run and
 * every node's final snapshot on rank 0. */
static void mx__finish(mx *p) {
    sim *s = p->s;
    int64_t t = p->lane.now_us > p->own.now_us ? p->lane.now_us : p->own.now_us;
    uint64_t n = p->lane.events_handled + (p->rank == 0 ? p->own.events_handled : 0);
    sim_sends c = {0};
    sim_sends_add(&c, &p->lane.sends);
    sim_sends_add(&c, &p->own.sends);
    if (p->size > 1) {
        MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
        MPI_Allreduce(MPI_IN_PLACE, &n, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
        MPI_Allreduce(MPI_IN_PLACE, &c, (int)(sizeof c / sizeof(uint64_t)), MPI_UINT64_T,
                      MPI_SUM, MPI_COMM_WORLD);
        if (p->rank != 0)
            for (int i = p->lo; i < p->hi; i++) mx__put_snapshot(p, i);
        int64_t g[2];
        mx__exchange(p, g);
    }
    s->final_us = t;
    log_info("rank %d of %d: nodes %d..%d, %llu entries run, %llu windows, %llu exchanges, "
             "%llu bytes sent", p->rank, p->size, p->lo, p->hi - 1,
             (unsigned long long)(p->lane.events_handled + p->own.events_handled),
             (unsigned long long)p->windows, (unsigned long long)p->exchanges,
             (unsigned long long)p->bytes_sent);
    p->events_total = n;
    p->sends_total = c;
    p->done = true;
}

static bool mx__advance(sim *s, int64_t until_us, uint64_t max_events) {
    mx *p = mx__of(s);
    if (until_us != INT64_MAX || max_events != UINT64_MAX)
        mx__fatal(p, "a run split over ranks goes to its end in one call (no stepping)");
    if (!p->started) mx__begin(p);
    if (p->done) return true;
    for (;;) {
        int64_t g[2];
        mx__exchange(p, g);
        if (g[1] != INT64_MAX && !atomic_load(&s->stop_reached)) {
            s->stop_at_us = g[1]; /* as the stop height's sink sets it on rank 0 */
            atomic_store(&s->stop_reached, true);
        }
        sim__wind_note(s, &p->wind, false, 0);
        const heap_entry *own = evq_peek(&p->own.queue);
        int64_t w = own && own->t_us < g[0] ? own->t_us : g[0];
        if (w == INT64_MAX) break;
        sim__wind_if_due(s, &p->wind, w);
        if (w > p->wind.drain_until) break;
        if (own && own->t_us <= g[0]) { /* the run's own first at a tie */
            heap_entry e;
            evq_pop(&p->own.queue, &e);
            p->own_t = e.t_us;
            p->own_key = e.seq;
            p->n_cmd = 0;
            sim__lane_run_own(&p->own, &e, &p->wind);
            continue;
        }
        int64_t end = sim__grid_after(s, w);
        if (own && own->t_us < end) end = own->t_us;
        if (p->wind.drain_until != INT64_MAX && p->wind.drain_until + 1 < end)
            end = p->wind.drain_until + 1;
        mx__window(p, end);
    }
    mx__finish(p);
    return true;
}

static void mx__inject(sim *s, msg *m) {
    (void)m;
    mx__fatal(mx__of(s), "messages from outside the run are not carried across ranks");
}

static void mx__stop(sim *s) { (void)s; }
static int64_t mx__now_of(const sim *s) { return mx__now(mx__of(s)); }

static void mx__set_clock(sim *s, double speed, int paused) {
    mx *p = mx__of(s);
    if (speed > 0) p->speed = speed;
    if (paused >= 0) p->paused = paused != 0;
}

static double mx__speed(const sim *s) { return mx__of(s)->speed; }
static bool mx__paused(const sim *s) { return mx__of(s)->paused; }
static bool mx__finished(const sim *s) { return mx__of(s)->done; }

static uint64_t mx__events_handled(const sim *s) {
    const mx *p = mx__of(s);
    return p->done ? p->events_total : p->lane.events_handled + p->own.events_handled;
}

_Static_assert(sizeof(sim_sends) % sizeof(uint64_t) == 0, "sim_sends is summed as uint64_t");

static void mx__sends(const sim *s, sim_sends *out) {
    const mx *p = mx__of(s);
    if (p->done) {
        sim_sends_add(out, &p->sends_total);
        return;
    }
    sim_sends_add(out, &p->lane.sends);
    sim_sends_add(out, &p->own.sends);
}

const sim__ops sim__mpi_ops = {
    .accepts = mx__accepts,
    .init = mx__init,
    .free = mx__free,
    .start = mx__start,
    .advance = mx__advance,
    .wait = NULL,
    .stop = mx__stop,
    .now = mx__now_of,
    .inject = mx__inject,
    .command = mx__command,
    .set_clock = mx__set_clock,
    .speed = mx__speed,
    .paused = mx__paused,
    .finished = mx__finished,
    .events_handled = mx__events_handled,
    .sends = mx__sends,
    .defer = mx__defer,
    .concurrent = false,
};
