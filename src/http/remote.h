/* remote.h - peers in other processes: the libcurl transport behind
 * sim_remote.
 *
 * A node sends to a peer id >= sim_node_count() like to any other peer;
 * the executor hands the message to remote__send (on the node's thread),
 * which only queues it. One worker thread runs the transfers side by side
 * through a curl multi handle, each with a connect timeout and a total
 * timeout, so an unreachable, slow or lying peer costs a timeout and a log
 * line, never a node's time.
 *
 * Messages become HTTP requests (the peer is another chainsim, or a classic
 * node for the GETs):
 *
 *   | message to a URL peer  | request                                     |
 *   |------------------------|---------------------------------------------|
 *   | INV, BLOCK, CMPCTBLOCK | POST URL/relay/block, body: the block's     |
 *   |                        | wire JSON (block_to_json)                   |
 *   | INV or TX (a tx)       | POST URL/relay/tx, body: the tx's JSON      |
 *   | GETCHAIN (resolve)     | GET URL/chain -> MSG_CHAIN injected         |
 *   | GETBLOCKS (orphan)     | GET URL/chain -> MSG_BLOCKS injected: the   |
 *   |                        | blocks above the last one we hold in common |
 *
 * Over HTTP a block or transaction is pushed whole instead of announced:
 * the receiver cannot always reach us to ask for it (a classic node, a
 * firewall), and one POST costs less than inv + getdata + block. POSTs
 * carry "X-Chainsim-Origin: <the sender node's URL>" so the receiver knows
 * whom to ask for missing ancestors.
 *
 * A pulled chain is parsed here (block_from_json under the store's ledger
 * rules), interned, and injected; a body that is not {"chain": [...]} or a
 * block that fails its own checks (bad hash, no proof of work, malformed)
 * rejects the whole chain, whatever its length: the node then gets an
 * empty MSG_CHAIN (so its resolve does not wait for its timeout) and
 * remote_pull_get says why. Messages the transport never carries
 * (GETDATA, GETBLOCKTXN, BLOCKS, CHAIN: requests for what was pushed whole,
 * and answers to requests a remote peer cannot make through it) are
 * dropped with a debug line.
 *
 * Peers cannot starve each other. Each URL peer has two queues: chain pulls
 * (GETCHAIN, GETBLOCKS) and gossip pushes (the rest), each with its own
 * bound and in-flight cap; the worker starts pulls before pushes and keeps
 * REMOTE_PULL_RESERVE of its REMOTE_MAX_ACTIVE slots for pulls, so a pull
 * never waits behind gossip. A peer whose transfers time out or find
 * nobody REMOTE_BACKOFF_AFTER times in a row is backed off: its queued
 * pushes are dropped and new ones refused for 1 s, doubling up to 60 s,
 * until it answers again (pulls are still tried: a user asked for them).
 * What is refused by a bound is dropped with a log line and counted
 * (remote_peer_stats_get), never queued past it. */
#ifndef CHAINSIM_NET_REMOTE_H
#define CHAINSIM_NET_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "chain/bstore.h"
#include "sim/sim.h"

#define REMOTE_DEFAULT_CONNECT_TIMEOUT_MS 2000
#define REMOTE_DEFAULT_TIMEOUT_MS 10000
#define REMOTE_DEFAULT_MAX_CHAIN_BYTES ((size_t)64 << 20)
#define REMOTE_DEFAULT_MAX_QUEUE 4096
#define REMOTE_DEFAULT_MAX_PEERS 1024
/* Transfers in flight at once, over all peers; more wait in the queues. */
#define REMOTE_MAX_ACTIVE 64
/* Of those, slots gossip pushes never take. */
#define REMOTE_PULL_RESERVE 16
/* Per peer: in flight at once, and waiting. */
#define REMOTE_PEER_PULLS_IN_FLIGHT 1
#define REMOTE_PEER_PUSHES_IN_FLIGHT 2
#define REMOTE_PEER_MAX_PULLS 4
#define REMOTE_PEER_MAX_PUSHES 64
/* Backoff of a peer that does not answer. */
#define REMOTE_BACKOFF_AFTER 2
#define REMOTE_BACKOFF_MIN_MS 1000
#define REMOTE_BACKOFF_MAX_MS 60000
/* Longest peer URL. */
#define REMOTE_MAX_URL 256
/* Longest message of a pull's outcome. */
#define REMOTE_PULL_MESSAGE_MAX 512

typedef struct remote_desc {
    long connect_timeout_ms;  /* 0 = 2 s */
    long timeout_ms;          /* whole transfer; 0 = 10 s */
    size_t max_chain_bytes;   /* a pulled /chain; 0 = 64 MiB */
    size_t max_queue;         /* messages waiting, all peers; more are dropped; 0 = 4096 */
    int max_peers;            /* URLs given peer ids; 0 = 1024 */
} remote_desc;

typedef struct remote remote;

/* Starts the worker and installs the transport on s (sim_set_remote);
 * call before the run starts. desc may be NULL (defaults). */
remote *remote_new(sim *s, const remote_desc *desc);
/* Stops the worker, dropping what is queued or in flight. Call after the
 * run has ended (no node thread sends any more). NULL does nothing. */
void remote_free(remote *r);

/* The URL sent as X-Chainsim-Origin for messages from local node_id (its
 * own HTTP address). Call before the run starts. */
void remote_set_origin(remote *r, int node_id, const char *url);
/* The peer id of a normalised URL (sim_remote_add), or -1 if max_peers
 * URLs already have ids and this one is new. Any thread. */
int remote_peer(remote *r, const char *url);
/* ---- pulls and their outcomes (for /consensus) ---- */

typedef enum remote_pull_state {
    REMOTE_PULL_NONE,       /* not asked in that round */
    REMOTE_PULL_PENDING,    /* asked; queued or in flight */
    REMOTE_PULL_DELIVERED,  /* a chain came and went to the node, which judges it */
    REMOTE_PULL_FAILED,     /* no chain: code and message say why */
} remote_pull_state;

typedef struct remote_pull {
    remote_pull_state state;
    /* FAILED: "timeout", "unreachable", "http_status", "queue_full", or
     * the reject_code of the body (chain_json, chain_malformed,
     * chain_too_large, blk_hash, blk_pow, blk_malformed, ...). */
    char code[32];
    /* "http://h:p/chain: chain[3]: hash: stated ..., contents hash to ..." */
    char message[REMOTE_PULL_MESSAGE_MAX];
} remote_pull;

/* Opens a new round of pulls for local node_id (a /consensus): the
 * GETCHAINs it sends from now on belong to the round returned. Any thread. */
uint64_t remote_round_begin(remote *r, int node_id);
/* Copies into *out what became of node_id's pull from peer in `round`
 * (state NONE if that round asked nothing of the peer). Any thread. */
void remote_pull_get(remote *r, int node_id, int peer, uint64_t round, remote_pull *out);

typedef struct remote_peer_stats {
    size_t pulls_queued, pushes_queued;
    int pulls_in_flight, pushes_in_flight;
    int failures;             /* transfers in a row without an answer */
    int64_t backoff_left_ms;  /* 0: not backed off */
    uint64_t pushes_dropped;  /* refused by a bound or the backoff */
    size_t total_queued;      /* every peer's queues */
} remote_peer_stats;

/* Fills *out for a URL peer id; false (zeros) if nothing was ever sent to
 * it. Any thread. */
bool remote_peer_stats_get(remote *r, int peer, remote_peer_stats *out);

/* Checks and normalises a peer URL into out: "http://host[:port]" with the
 * scheme and host lowercased, no trailing slash; "host:port" without a
 * scheme gets "http://". Refuses (false, *why) other schemes, user info,
 * paths other than "/", queries, fragments, spaces and control characters,
 * empty hosts, ports outside 1..65535 and URLs longer than REMOTE_MAX_URL
 * (as given or once normalised), so what it accepts it accepts again. */
bool remote_url_normalize(char *out, size_t out_len, const char *in, const char **why);

/* Parses a {"chain": [...]} body (at most `max_blocks` blocks) into blocks
 * interned in st, genesis first. Returns REJ_NONE with *out (an array the
 * caller frees; the blocks belong to the store) and *n, or the reason with
 * a message in detail: REJ_CHAIN_MALFORMED for the shape, a block's own
 * reason (REJ_BLK_HASH, REJ_BLK_POW, REJ_BLK_MALFORMED, ...) otherwise;
 * nothing is interned then. The body passes util/json_strict first
 * (REJ_CHAIN_JSON: malformed, trailing data, 5.0 for an integer); more than
 * max_blocks blocks is REJ_CHAIN_TOO_LARGE. */
reject remote_parse_chain(bstore *st, const char *body, size_t len, size_t max_blocks,
                          block ***out, size_t *n, char *detail, size_t detail_len);

#endif
