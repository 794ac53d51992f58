/* test_threads_msg.c - messages made on one thread and freed on another,
 * as the threads executor does: each thread keeps its own reuse list (no
 * shared state for TSan to flag), and a thread's list is freed when it ends
 * (LeakSanitizer would report the messages otherwise). */
#include <pthread.h>

#include "check.h"
#include "net/msg.h"

enum { BATCH = 200, ROUNDS = 50 };

typedef struct handoff {
    msg *made[BATCH];
} handoff;

/* Makes a batch for the main thread and churns through its own messages. */
static void *maker(void *arg) {
    handoff *h = arg;
    for (int i = 0; i < BATCH; i++) {
        h->made[i] = msg_new(MSG_INV);
        h->made[i]->from = i;
    }
    for (int r = 0; r < ROUNDS; r++) {
        msg *own[BATCH / 2];
        for (int i = 0; i < BATCH / 2; i++) own[i] = msg_new(MSG_GETDATA);
        for (int i = 0; i < BATCH / 2; i++) msg_free(own[i]);
    }
    return NULL;
}

static void test_made_here_freed_there(void) {
    for (int t = 0; t < 4; t++) {
        handoff h;
        pthread_t th;
        CHECK(pthread_create(&th, NULL, maker, &h) == 0);
        CHECK(pthread_join(th, NULL) == 0); /* the maker's list is freed now */
        for (int i = 0; i < BATCH; i++) CHECK_INT_EQ(h.made[i]->from, i);
        for (int i = 0; i < BATCH; i++) msg_free(h.made[i]);
    }
    /* The main thread's list now holds some of the makers' messages. */
    msg *m = msg_new(MSG_BLOCK);
    CHECK_INT_EQ(m->from, -1);
    msg_free(m);
}

/* Two threads at once, each freeing what the other made. */
static void *swapper(void *arg) {
    msg **slot = arg;
    for (int r = 0; r < ROUNDS; r++) {
        msg *m = msg_new(MSG_TX);
        msg_free(__atomic_exchange_n(slot, m, __ATOMIC_ACQ_REL));
    }
    return NULL;
}

static void test_concurrent_swap(void) {
    msg *slot = NULL;
    pthread_t a, b;
    CHECK(pthread_create(&a, NULL, swapper, &slot) == 0);
    CHECK(pthread_create(&b, NULL, swapper, &slot) == 0);
    CHECK(pthread_join(a, NULL) == 0);
    CHECK(pthread_join(b, NULL) == 0);
    msg_free(slot);
}

static const test_case cases[] = {
    TEST(test_made_here_freed_there),
    TEST(test_concurrent_swap),
    {0},
};

TEST_MAIN(cases)
