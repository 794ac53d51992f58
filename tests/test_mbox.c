/* test_mbox.c - the threads executor's mailbox: FIFO batches, delivery
 * under contention (every message exactly once, per-producer order kept),
 * deadlines, due-time batching (a message due after the receiver's
 * deadline does not wake it; one sleep is ended at most once however many
 * senders), wake-ups and close. Runs under TSan in CI (label "threads"). */
#include "net/mbox.h"

#include <pthread.h>
#include <time.h>

#include "check.h"

static void sleep_us(int64_t us) {
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0) continue;
}

static msg *numbered(int from, int64_t seq) {
    msg *m = msg_new(MSG_INV);
    m->from = from;
    m->sent_us = seq;
    return m;
}

static size_t list_free(msg *m) {
    size_t n = 0;
    while (m) {
        msg *next = m->next;
        msg_free(m);
        m = next;
        n++;
    }
    return n;
}

static void test_fifo_batch(void) {
    mbox *mb = mbox_new();
    for (int i = 0; i < 3; i++) CHECK_INT_EQ(mbox_send(mb, numbered(0, i)), CS_OK);
    msg *batch = mbox_take(mb, 0);
    int64_t seq = 0;
    for (msg *m = batch; m; m = m->next) CHECK_INT_EQ(m->sent_us, seq++);
    CHECK_INT_EQ(seq, 3);
    CHECK_INT_EQ(list_free(batch), 3);
    CHECK(mbox_take(mb, 0) == NULL);
    /* The queue is usable again after being emptied. */
    CHECK_INT_EQ(mbox_send(mb, numbered(0, 9)), CS_OK);
    batch = mbox_take(mb, 0);
    CHECK(batch && batch->sent_us == 9 && batch->next == NULL);
    list_free(batch);
    mbox_free(mb);
    mbox_free(NULL);
}

enum { PRODUCERS = 4, PER_PRODUCER = 100000 };

typedef struct producer_arg {
    mbox *mb;
    int id;
    int failed_sends;
} producer_arg;

static void *producer(void *p) {
    producer_arg *a = p;
    for (int64_t i = 0; i < PER_PRODUCER; i++)
        if (mbox_send(a->mb, numbered(a->id, i)) != CS_OK) a->failed_sends++;
    return NULL;
}

static void test_contention(void) {
    mbox *mb = mbox_new();
    pthread_t threads[PRODUCERS];
    producer_arg args[PRODUCERS];
    for (int p = 0; p < PRODUCERS; p++) {
        args[p] = (producer_arg){.mb = mb, .id = p};
        CHECK_INT_EQ(pthread_create(&threads[p], NULL, producer, &args[p]), 0);
    }
    int64_t next_seq[PRODUCERS] = {0};
    long received = 0, batches = 0, out_of_order = 0, bad_from = 0;
    while (received < (long)PRODUCERS * PER_PRODUCER) {
        /* A deadline instead of -1 so a lost message fails instead of hangs. */
        msg *batch = mbox_take(mb, clock_now_us() + 10000000);
        if (!batch) break;
        batches++;
        for (msg *m = batch; m; m = m->next) {
            if (m->from < 0 || m->from >= PRODUCERS) {
                bad_from++;
                continue;
            }
            if (m->sent_us != next_seq[m->from]) out_of_order++;
            next_seq[m->from] = m->sent_us + 1;
            received++;
        }
        list_free(batch);
    }
    for (int p = 0; p < PRODUCERS; p++) pthread_join(threads[p], NULL);
    CHECK(mbox_take(mb, 0) == NULL); /* nothing extra */
    mbox_free(mb);
    CHECK_INT_EQ(received, (long)PRODUCERS * PER_PRODUCER);
    CHECK_INT_EQ(out_of_order, 0);
    CHECK_INT_EQ(bad_from, 0);
    for (int p = 0; p < PRODUCERS; p++) {
        CHECK_INT_EQ(next_seq[p], PER_PRODUCER);
        CHECK_INT_EQ(args[p].failed_sends, 0);
    }
    CHECK(batches >= 1 && batches <= received);
    fprintf(stderr, "  %ld messages in %ld batches\n", received, batches);
}

static void test_timed_take(void) {
    mbox *mb = mbox_new();
    int64_t deadline = clock_now_us() + 50000;
    msg *m = mbox_take(mb, deadline);
    int64_t now = clock_now_us();
    CHECK(m == NULL);
    CHECK(now >= deadline);
    CHECK(now < deadline + 2000000); /* generous: loaded CI machines */
    /* A deadline already passed, and 0: no wait. */
    int64_t before = clock_now_us();
    CHECK(mbox_take(mb, before - 1000) == NULL);
    CHECK(mbox_take(mb, 0) == NULL);
    CHECK(clock_now_us() - before < 1000000);
    mbox_free(mb);
}

typedef struct taker_arg {
    mbox *mb;
    int64_t deadline_us;
    msg *got;
    int64_t returned_us;
} taker_arg;

static void *taker(void *p) {
    taker_arg *a = p;
    a->got = mbox_take(a->mb, a->deadline_us);
    a->returned_us = clock_now_us();
    return NULL;
}

static void test_wake_unblocks_take(void) {
    mbox *mb = mbox_new();
    taker_arg a = {.mb = mb, .deadline_us = -1};
    pthread_t th;
    int64_t start = clock_now_us();
    CHECK_INT_EQ(pthread_create(&th, NULL, taker, &a), 0);
    sleep_us(50000);
    mbox_wake(mb);
    pthread_join(th, NULL);
    CHECK(a.got == NULL);
    CHECK(a.returned_us - start >= 50000); /* it was waiting until woken */

    /* The same through a timed wait: woken long before its deadline. */
    a = (taker_arg){.mb = mb, .deadline_us = clock_now_us() + 20000000};
    start = clock_now_us();
    CHECK_INT_EQ(pthread_create(&th, NULL, taker, &a), 0);
    sleep_us(50000);
    mbox_wake(mb);
    pthread_join(th, NULL);
    CHECK(a.got == NULL);
    CHECK(a.returned_us - start < 10000000);
    mbox_free(mb);
}

static void test_wake_before_take(void) {
    mbox *mb = mbox_new();
    mbox_wake(mb);
    CHECK(mbox_take(mb, -1) == NULL); /* returns at once */
    /* The wake was used up: the next take waits for its deadline. */
    int64_t deadline = clock_now_us() + 30000;
    CHECK(mbox_take(mb, deadline) == NULL);
    CHECK(clock_now_us() >= deadline);
    /* A take that returns messages also uses up a pending wake. */
    mbox_wake(mb);
    CHECK_INT_EQ(mbox_send(mb, numbered(1, 1)), CS_OK);
    CHECK_INT_EQ(list_free(mbox_take(mb, -1)), 1);
    deadline = clock_now_us() + 30000;
    CHECK(mbox_take(mb, deadline) == NULL);
    CHECK(clock_now_us() >= deadline);
    mbox_free(mb);
}

static void test_send_wakes_take(void) {
    mbox *mb = mbox_new();
    taker_arg a = {.mb = mb, .deadline_us = -1};
    pthread_t th;
    CHECK_INT_EQ(pthread_create(&th, NULL, taker, &a), 0);
    sleep_us(20000);
    CHECK_INT_EQ(mbox_send(mb, numbered(3, 42)), CS_OK);
    pthread_join(th, NULL);
    CHECK(a.got != NULL);
    CHECK_INT_EQ(a.got->from, 3);
    CHECK_INT_EQ(a.got->sent_us, 42);
    CHECK(a.got->next == NULL);
    list_free(a.got);
    mbox_free(mb);
}

static void test_close(void) {
    mbox *mb = mbox_new();
    taker_arg a = {.mb = mb, .deadline_us = -1};
    pthread_t th;
    CHECK(!mbox_closed(mb));
    CHECK_INT_EQ(pthread_create(&th, NULL, taker, &a), 0);
    sleep_us(20000);
    mbox_close(mb);
    pthread_join(th, NULL);
    CHECK(a.got == NULL);
    CHECK(mbox_closed(mb));
    /* Refused sends leave the message with the caller. */
    msg *m = numbered(0, 1);
    CHECK_INT_EQ(mbox_send(mb, m), CS_ECLOSED);
    CHECK(m->next == NULL);
    msg_free(m);
    /* Closed and empty: no wait, even without a deadline. */
    CHECK(mbox_take(mb, -1) == NULL);
    mbox_free(mb);
}

static void test_close_drains(void) {
    mbox *mb = mbox_new();
    CHECK_INT_EQ(mbox_send(mb, numbered(0, 1)), CS_OK);
    CHECK_INT_EQ(mbox_send(mb, numbered(0, 2)), CS_OK);
    mbox_close(mb);
    msg *batch = mbox_take(mb, -1);
    CHECK(batch && batch->sent_us == 1 && batch->next && batch->next->sent_us == 2);
    list_free(batch);
    CHECK(mbox_take(mb, -1) == NULL);
    mbox_free(mb);
}

static void test_free_with_queued(void) {
    /* ASan's leak check makes this one fail if mbox_free leaks. */
    mbox *mb = mbox_new();
    for (int i = 0; i < 10; i++) CHECK_INT_EQ(mbox_send(mb, numbered(0, i)), CS_OK);
    mbox_free(mb);
}

static void test_clock_monotonic(void) {
    int64_t a = clock_now_us();
    sleep_us(10000);
    int64_t b = clock_now_us();
    CHECK(a > 0);
    CHECK(b - a >= 10000);
    CHECK(b - a < 2000000);
}

typedef struct due_sender {
    mbox *mb;
    int id;
    int n;
    int64_t due_us;
} due_sender;

static void *send_due(void *p) {
    due_sender *d = p;
    for (int i = 0; i < d->n; i++) mbox_send_at(d->mb, numbered(d->id, i), d->due_us);
    return NULL;
}

/* Starts a taker sleeping until deadline_us and waits until it sleeps. */
static void start_taker(pthread_t *th, taker_arg *a, mbox *mb, int64_t deadline_us) {
    *a = (taker_arg){.mb = mb, .deadline_us = deadline_us};
    if (pthread_create(th, NULL, taker, a) != 0) abort();
    sleep_us(50000);
}

static void test_due_time_batching(void) {
    mbox *mb = mbox_new();
    pthread_t th;
    taker_arg a;
    /* Due after the receiver's own deadline: it sleeps on, and takes them
     * all when it wakes for its own reason. */
    int64_t deadline = clock_now_us() + 300000;
    start_taker(&th, &a, mb, deadline);
    due_sender late = {.mb = mb, .id = 1, .n = 100, .due_us = deadline + 1000000};
    send_due(&late);
    pthread_join(th, NULL);
    CHECK(a.returned_us >= deadline);
    CHECK_INT_EQ(mbox_wakeups(mb), 0);
    int64_t seq = 0;
    for (msg *m = a.got; m; m = m->next) CHECK_INT_EQ(m->sent_us, seq++);
    CHECK_INT_EQ(seq, 100);
    list_free(a.got);

    /* Due before it: the sleep ends at once. */
    deadline = clock_now_us() + 20000000;
    start_taker(&th, &a, mb, deadline);
    due_sender soon = {.mb = mb, .id = 2, .n = 1, .due_us = clock_now_us() + 100000};
    send_due(&soon);
    pthread_join(th, NULL);
    CHECK(a.returned_us < deadline - 10000000);
    CHECK(a.got && a.got->from == 2 && !a.got->next);
    CHECK_INT_EQ(mbox_wakeups(mb), 1);
    list_free(a.got);

    /* Four senders, 200 messages all due now, one sleep: one wake-up. */
    start_taker(&th, &a, mb, -1);
    pthread_t senders[4];
    due_sender d[4];
    for (int i = 0; i < 4; i++) {
        d[i] = (due_sender){.mb = mb, .id = 10 + i, .n = 50, .due_us = INT64_MIN};
        CHECK_INT_EQ(pthread_create(&senders[i], NULL, send_due, &d[i]), 0);
    }
    for (int i = 0; i < 4; i++) pthread_join(senders[i], NULL);
    pthread_join(th, NULL);
    size_t got = list_free(a.got) + list_free(mbox_take(mb, 0));
    CHECK_INT_EQ(got, 200);
    CHECK_INT_EQ(mbox_wakeups(mb), 2);
    mbox_free(mb);
}

static const test_case cases[] = {
    TEST(test_fifo_batch),
    TEST(test_contention),
    TEST(test_timed_take),
    TEST(test_wake_unblocks_take),
    TEST(test_wake_before_take),
    TEST(test_send_wakes_take),
    TEST(test_due_time_batching),
    TEST(test_close),
    TEST(test_close_drains),
    TEST(test_free_with_queued),
    TEST(test_clock_monotonic),
    {0},
};

TEST_MAIN(cases)
