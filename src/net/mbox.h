/* mbox.h - a node's mailbox in the threads executor: many senders, one
 * receiver, thread-safe.
 *
 * Senders push messages; the receiving thread takes them all at once
 * (mbox_take returns the whole queue, oldest first): one lock and at most one
 * wake-up carries any number of messages (see shared/PERF-NOTES.md: a
 * wake-up costs ~50 us across cores). The receiver waits until a message
 * arrives that is due before its deadline, mbox_wake is called (the clock
 * changed), or the deadline passes: a message due later does not wake it
 * (due-time batching, see mbox.c).
 *
 * Locking: `lock` guards the queue and the receiver's sleep; the receiver
 * sleeps without it. */
#ifndef CHAINSIM_NET_MBOX_H
#define CHAINSIM_NET_MBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/msg.h"
#include "util/clock.h" /* deadlines are clock_now_us() values */
#include "util/err.h"

typedef struct mbox mbox;

mbox *mbox_new(void);
/* Frees the mailbox and any messages still in it. mbox_free(NULL) does nothing. */
void mbox_free(mbox *mb);

/* Queues `m`. After CS_OK the message belongs to the receiver. Returns
 * CS_ECLOSED if the mailbox is closed; the message is then still the
 * caller's. */
cs_err mbox_send(mbox *mb, msg *m);

/* Queues `m`, due at monotonic time due_us: the receiver is woken only if
 * it sleeps past that moment (a message due later waits in the mailbox until
 * the receiver wakes for its own deadline). mbox_send is "due now".
 * Ownership as for mbox_send. */
cs_err mbox_send_at(mbox *mb, msg *m, int64_t due_us);

/* Takes every queued message, oldest first, as a list linked by msg.next
 * (NULL if none). Waits until there is at least one, or mbox_wake/mbox_close
 * is called, or the monotonic clock reaches deadline_us (clock_now_us();
 * -1 waits without a deadline, 0 does not wait). */
msg *mbox_take(mbox *mb, int64_t deadline_us);

/* How many of the receiver's sleeps a send has ended (any thread): at most
 * one per sleep, however many messages came. */
uint64_t mbox_wakeups(mbox *mb);
/* The receiver's sleeps so far (mbox_take waits that blocked), how many of
 * them a send ended (mbox_wakeups), and how many ended at their deadline. */
typedef struct mbox_counts {
    uint64_t sleeps, woken_by_send, timed_out;
} mbox_counts;
mbox_counts mbox_counts_get(mbox *mb);
/* Makes a waiting (or the next) mbox_take return even with no message. */
void mbox_wake(mbox *mb);
/* Refuses further sends and wakes the receiver. */
void mbox_close(mbox *mb);
bool mbox_closed(mbox *mb);

#endif
