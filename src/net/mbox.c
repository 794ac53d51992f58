/* mbox.c - a many-senders, one-receiver mailbox: a mutex, an intrusive
 * FIFO (msg.next) with head and tail, and a semaphore to sleep on.
 *
 * Due-time batching. The receiver sleeps until a deadline of its own (the
 * next thing due in its local heap) and says so under the lock (`waiting`,
 * `wait_until_us`). A sender appends under the lock and wakes the receiver
 * only if the message is due before that deadline; anything due later
 * waits in the queue, unseen, and is taken with everything else when the
 * receiver wakes for its own reason. The first sender that wakes it clears
 * `waiting`, so one sleep costs at most one wake-up however many messages
 * arrive meanwhile. Correct because the receiver never sleeps past its
 * deadline, and a message due after that deadline cannot need handling
 * before it: at the latest it is taken then and handled when due.
 *
 * Why a semaphore and not a condition variable: glibc marks a mutex taken
 * back by pthread_cond_wait as contended, so every unlock after a wait is
 * a futex system call even with nobody to wake, and a woken receiver
 * blocks again at once on the lock its signaller still holds. Here the
 * receiver sleeps on the semaphore without the lock, the sender posts
 * after unlocking, and the lock is only ever held for a few stores. A post
 * that comes after the receiver stopped waiting (it timed out) is left in
 * the semaphore and ends the next sleep early; the receiver then looks
 * again and sleeps on. sem_clockwait runs on CLOCK_MONOTONIC, so deadlines
 * (clock_now_us values) are not moved by changes of the wall-clock time. */
#include "net/mbox.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "util/cond.h"
#include "util/mem.h"

struct mbox {
    pthread_mutex_t lock;
    sem_t wake;              /* posted to end the receiver's sleep */
    /* guarded by lock: */
    msg *head;               /* oldest */
    msg *tail;               /* newest; NULL iff head is NULL */
    bool closed;
    bool woken;              /* mbox_wake was called since the last take */
    bool waiting;            /* the receiver sleeps in mbox_take, not yet woken ... */
    int64_t wait_until_us;   /* ... until then (-1: no deadline) */
    uint64_t wakeups;        /* sleeps a send ended */
    uint64_t sleeps;         /* waits on `wake` */
    uint64_t timeouts;       /*   of them, ended by the deadline */
};

mbox *mbox_new(void) {
    mbox *mb = xcalloc(1, sizeof *mb);
    mutex_init_brief(&mb->lock);
    if (sem_init(&mb->wake, 0, 0) != 0) abort();
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
    sem_destroy(&mb->wake);
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
    bool wake = mb->waiting && (mb->wait_until_us < 0 || due_us < mb->wait_until_us);
    if (wake) {
        mb->waiting = false; /* one wake-up per sleep: later senders need none */
        mb->wakeups++;
    }
    pthread_mutex_unlock(&mb->lock);
    if (wake) sem_post(&mb->wake);
    return CS_OK;
}

/* Ends the receiver's sleep, if it sleeps; caller holds the lock and posts
 * once it has let go (returns whether to). */
static bool mbox__rouse(mbox *mb) {
    bool post = mb->waiting;
    mb->waiting = false;
    return post;
}

msg *mbox_take(mbox *mb, int64_t deadline_us) {
    assert(deadline_us >= -1);
    pthread_mutex_lock(&mb->lock);
    /* Sleep while there is nothing to return and no reason to return. A
     * timeout ends the wait, but what arrived meanwhile is still taken. */
    while (!mb->head && !mb->woken && !mb->closed && deadline_us != 0 &&
           (deadline_us < 0 || clock_now_us() < deadline_us)) {
        mb->waiting = true;
        mb->wait_until_us = deadline_us;
        mb->sleeps++;
        pthread_mutex_unlock(&mb->lock);
        bool timed_out = !sem_wait_until_us(&mb->wake, deadline_us);
        pthread_mutex_lock(&mb->lock);
        mb->waiting = false;
        if (timed_out) {
            mb->timeouts++;
            break;
        }
    }
    msg *batch = mb->head;
    mb->head = mb->tail = NULL;
    mb->woken = false; /* this take is the one the wake asked for */
    pthread_mutex_unlock(&mb->lock);
    return batch;
}

void mbox_wake(mbox *mb) {
    pthread_mutex_lock(&mb->lock);
    mb->woken = true;
    bool post = mbox__rouse(mb);
    pthread_mutex_unlock(&mb->lock);
    if (post) sem_post(&mb->wake);
}

void mbox_close(mbox *mb) {
    pthread_mutex_lock(&mb->lock);
    mb->closed = true;
    bool post = mbox__rouse(mb);
    pthread_mutex_unlock(&mb->lock);
    if (post) sem_post(&mb->wake);
}

uint64_t mbox_wakeups(mbox *mb) {
    pthread_mutex_lock(&mb->lock);
    uint64_t n = mb->wakeups;
    pthread_mutex_unlock(&mb->lock);
    return n;
}

mbox_counts mbox_counts_get(mbox *mb) {
    pthread_mutex_lock(&mb->lock);
    mbox_counts c = {mb->sleeps, mb->wakeups, mb->timeouts};
    pthread_mutex_unlock(&mb->lock);
    return c;
}

bool mbox_closed(mbox *mb) {
    pthread_mutex_lock(&mb->lock);
    bool closed = mb->closed;
    pthread_mutex_unlock(&mb->lock);
    return closed;
}
