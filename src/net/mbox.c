/* mbox.c - a many-senders, one-receiver mailbox: mutex, condition variable
 * and an intrusive FIFO (msg.next) with head and tail.
 *
 * Senders append under the lock and signal only when the queue goes from
 * empty to non-empty: the receiver waits only on an empty queue, so later
 * sends need no wake-up, and one wake-up delivers the whole batch that piled
 * up meanwhile. The receiver detaches the whole list in O(1) and handles it
 * without the lock. The condition variable runs on CLOCK_MONOTONIC so that
 * deadlines (which the threads executor derives from clock_now_us) are not
 * moved by changes of the wall-clock time. */
#include "net/mbox.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "util/cond.h"
#include "util/mem.h"

struct mbox {
    pthread_mutex_t lock;
    pthread_cond_t nonempty; /* signalled on empty -> non-empty, wake, close */
    /* guarded by lock: */
    msg *head;               /* oldest */
    msg *tail;               /* newest; NULL iff head is NULL */
    bool closed;
    bool woken;              /* mbox_wake was called since the last take */
    bool waiting;            /* the receiver sleeps in mbox_take ... */
    int64_t wait_until_us;   /* ... until then (-1: no deadline) */
};

mbox *mbox_new(void) {
    mbox *mb = xcalloc(1, sizeof *mb);
    if (pthread_mutex_init(&mb->lock, NULL) != 0) abort(); /* only fails for lack of memory, like xmalloc */
    cond_init_monotonic(&mb->nonempty);
    return mb;
}

void mbox_free(mbox *mb) {
    if (!mb) return;
    msg *m = mb->head;
    while (m) {
        msg *next = m->next;
        msg_free(m);
        m = next;
    }
    pthread_cond_destroy(&mb->nonempty);
    pthread_mutex_destroy(&mb->lock);
    free(mb);
}

cs_err mbox_send(mbox *mb, msg *m) { return mbox_send_at(mb, m, INT64_MIN); }

cs_err mbox_send_at(mbox *mb, msg *m, int64_t due_us) {
    assert(m);
    m->next = NULL;
    pthread_mutex_lock(&mb->lock);
    if (mb->closed) {
        pthread_mutex_unlock(&mb->lock);
        return CS_ECLOSED;
    }
    if (mb->tail) mb->tail->next = m;
    else mb->head = m;
    mb->tail = m;
    /* Wake the receiver only if it sleeps past the moment this message is
     * due; otherwise it takes the message when it wakes anyway. */
    if (mb->waiting && (mb->wait_until_us < 0 || due_us < mb->wait_until_us))
        pthread_cond_signal(&mb->nonempty);
    pthread_mutex_unlock(&mb->lock);
    return CS_OK;
}

msg *mbox_take(mbox *mb, int64_t deadline_us) {
    assert(deadline_us >= -1);
    pthread_mutex_lock(&mb->lock);
    /* Wait while there is nothing to return and no reason to return. A
     * timeout ends the wait, but the loop still takes what arrived. */
    bool timed_out = false;
    mb->waiting = true;
    mb->wait_until_us = deadline_us;
    while (!mb->head && !mb->woken && !mb->closed && !timed_out && deadline_us != 0) {
        if (deadline_us < 0) {
            pthread_cond_wait(&mb->nonempty, &mb->lock);
        } else {
            struct timespec until = cond_deadline_at_us(deadline_us);
            int rc = pthread_cond_timedwait(&mb->nonempty, &mb->lock, &until);
            timed_out = rc == ETIMEDOUT;
        }
    }
    mb->waiting = false;
    msg *batch = mb->head;
    mb->head = mb->tail = NULL;
    mb->woken = false; /* this take is the one the wake asked for */
    pthread_mutex_unlock(&mb->lock);
    return batch;
}

void mbox_wake(mbox *mb) {
    pthread_mutex_lock(&mb->lock);
    mb->woken = true;
    pthread_cond_signal(&mb->nonempty);
    pthread_mutex_unlock(&mb->lock);
}

void mbox_close(mbox *mb) {
    pthread_mutex_lock(&mb->lock);
    mb->closed = true;
    pthread_cond_signal(&mb->nonempty);
    pthread_mutex_unlock(&mb->lock);
}

bool mbox_closed(mbox *mb) {
    pthread_mutex_lock(&mb->lock);
    bool closed = mb->closed;
    pthread_mutex_unlock(&mb->lock);
    return closed;
}
