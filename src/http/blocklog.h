/* blocklog.h - the durable block log of a standalone node (--data-dir).
 *
 * DIR/blocks.jsonl holds one block per line, as its wire JSON
 * (block_to_json), in the order the node accepted them; a parent always
 * comes before its children. An accepted block is appended and
 * fdatasync'ed from the node's own thread, inside its EV_BLOCK_ACCEPTED
 * event, so before the command or request that produced it completes:
 * whatever the node acknowledged is on disk.
 *
 * A crash can leave a torn last line. At open the log is read up to the
 * first line that is incomplete (no newline) or does not parse as a block;
 * that line and anything after it are cut off (ftruncate), with a warning. */
#ifndef CHAINSIM_HTTP_BLOCKLOG_H
#define CHAINSIM_HTTP_BLOCKLOG_H

#include <stddef.h>

#include "chain/bstore.h"
#include "node/event.h"
#include "util/err.h"

#define BLOCKLOG_FILE "blocks.jsonl"
/* Longest line read back (a block of the largest size chainsim makes fits). */
#define BLOCKLOG_MAX_LINE ((size_t)16 << 20)

typedef struct blocklog blocklog;

/* Opens DIR/blocks.jsonl (creating DIR and the file if needed), reads it
 * and interns its blocks in st. Returns the log, with *blocks (an array the
 * caller frees; the blocks belong to the store) and *n in file order; or
 * NULL with a message in err. *torn_bytes tells how much tail was cut. */
blocklog *blocklog_open(const char *dir, bstore *st, block ***blocks, size_t *n,
                        size_t *torn_bytes, char *err, size_t err_len);
/* Appends b and syncs unless the log already has it. CS_OK or CS_EIO. */
cs_err blocklog_append(blocklog *l, const block *b);
/* Number of blocks in the log. */
size_t blocklog_count(const blocklog *l);
void blocklog_close(blocklog *l);

/* A sim sink (user = the log): appends the blocks that node `node_id`
 * accepts. Set the node with blocklog_follow first. */
void blocklog_follow(blocklog *l, int node_id);
void blocklog_sink(void *user, const sim_event *ev);

#endif
