/* feed.c - the view's event sink: the one piece of the view that runs on
 * node threads.
 *
 * The sink copies what the window needs into plain arrays under the feed's
 * lock and returns: no SDL, no drawing, no allocation beyond growing the
 * arrays. The main thread swaps the arrays out once per frame
 * (view__feed_take), so the lock is held for a pointer swap, never for a
 * frame. Messages are the bulk of the stream (a block relayed over 1,000
 * nodes is ~30,000 of them), so they go into a compact array of their own;
 * past VIEW_FEED_MAX_FLIGHTS the ones that have arrived are dropped from it
 * (a frame that takes a long run at once only needs what is still in
 * flight), and past VIEW_FEED_HARD_MAX they are counted, not kept.
 * Deliveries are not wanted at all: a sent message carries its arrival
 * time.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "view/view_int.h"

void view__feed_init(view_feed *f) {
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->lock, NULL);
}

void view__batch_cleanup(view_batch *b) {
    free(b->evs);
    free(b->flights);
    free(b->drops);
    memset(b, 0, sizeof *b);
}

void view__feed_cleanup(view_feed *f) {
    view__batch_cleanup(&f->buf);
    pthread_mutex_destroy(&f->lock);
}

uint32_t view__feed_kinds(void) { return SIM_EVENTS_ALL & ~SIM_EVENT_BIT(EV_MSG_DELIVERED); }

static view_msg_class view__feed_class(const sim_event *ev) {
    switch (ev->msg) {
    case MSG_TX: return VMSG_TX;
    case MSG_BLOCK:
    case MSG_BLOCKS:
    case MSG_CHAIN: return VMSG_BLOCK;
    default: return ev->tx ? VMSG_TX : VMSG_ANNOUNCE;
    }
}

/* Forgets messages that have arrived by t (sim time only moves on), and
 * drops older than VIEW_FEED_DROP_KEEP_US: a frame that takes a long run at
 * once (a screenshot) needs what is in flight at its end, not everything
 * ever sent. Amortised: the next pass waits until the array has doubled. */
static void view__feed_compact_flights(view_batch *b, int64_t t_us) {
    size_t k = 0;
    for (size_t i = 0; i < b->n_flights; i++)
        if (b->flights[i].arrive_us > t_us) b->flights[k++] = b->flights[i];
    b->n_flights = k;
    b->compact_at = 2 * k;
}

static void view__feed_compact_drops(view_batch *b, int64_t t_us) {
    size_t k = 0;
    for (size_t i = 0; i < b->n_drops; i++)
        if (b->drops[i].sent_us + VIEW_FEED_DROP_KEEP_US > t_us) b->drops[k++] = b->drops[i];
    b->n_drops = k;
    b->drops_compact_at = 2 * k;
}

static void view__feed_flight(view_batch *b, const sim_event *ev) {
    if (ev->arrive_us < 0) return; /* dropped at once: the drop shows it */
    if (b->n_flights >= VIEW_FEED_MAX_FLIGHTS && b->n_flights >= b->compact_at)
        view__feed_compact_flights(b, ev->t_us);
    if (b->n_flights >= VIEW_FEED_HARD_MAX) {
        b->flights_skipped++;
        return;
    }
    b->flights = xgrow(b->flights, &b->cap_flights, b->n_flights + 1, sizeof *b->flights);
    view_flight *fl = &b->flights[b->n_flights++];
    *fl = (view_flight){.from = ev->node, .to = ev->peer, .sent_us = ev->t_us,
                        .arrive_us = ev->arrive_us, .block = ev->block,
                        .cls = (uint8_t)view__feed_class(ev), .kind = (uint8_t)ev->msg};
    if (ev->tx && ev->tx->id) { /* the start of the id: enough to tell transactions apart */
        size_t k = 0;
        while (k + 1 < sizeof fl->tx_id && ev->tx->id[k]) {
            fl->tx_id[k] = ev->tx->id[k];
            k++;
        }
        fl->tx_id[k] = '\0';
    }
}

static void view__feed_drop(view_batch *b, const sim_event *ev) {
    if (b->n_drops >= VIEW_FEED_MAX_FLIGHTS && b->n_drops >= b->drops_compact_at)
        view__feed_compact_drops(b, ev->t_us);
    if (b->n_drops >= VIEW_FEED_HARD_MAX) return;
    b->drops = xgrow(b->drops, &b->cap_drops, b->n_drops + 1, sizeof *b->drops);
    /* a drop event names the receiver as node and the sender as peer */
    b->drops[b->n_drops++] = (view_flight){.from = ev->peer, .to = ev->node, .sent_us = ev->t_us,
                                           .arrive_us = ev->t_us, .cls = VMSG_BLOCK};
}

static void view__feed_event(view_batch *b, const sim_event *ev) {
    b->evs = xgrow(b->evs, &b->cap_evs, b->n_evs + 1, sizeof *b->evs);
    view_ev *v = &b->evs[b->n_evs++];
    *v = (view_ev){.kind = ev->kind, .t_us = ev->t_us, .node = ev->node, .peer = ev->peer,
                   .block = ev->block, .old_tip = ev->old_tip, .reorg_depth = ev->reorg_depth,
                   .reason = ev->reason, .strategy = ev->strategy, .value = ev->value};
    if (ev->tx)
        snprintf(v->tx_text, sizeof v->tx_text, "%.14s -> %.14s %" PRId64, ev->tx->sender,
                 ev->tx->receiver, ev->tx->amount);
}

void view__feed_sink(void *user, const sim_event *ev) {
    view_feed *f = user;
    /* Transactions relayed between peers are traffic, drawn as messages;
     * only what users submitted is worth a line in a node's panel. */
    if ((ev->kind == EV_TX_ACCEPTED || ev->kind == EV_TX_REJECTED) && ev->peer >= 0) return;
    pthread_mutex_lock(&f->lock);
    switch (ev->kind) {
    case EV_MSG_SENT: view__feed_flight(&f->buf, ev); break;
    case EV_MSG_DROPPED: view__feed_drop(&f->buf, ev); break;
    default: view__feed_event(&f->buf, ev); break;
    }
    pthread_mutex_unlock(&f->lock);
}

void view__feed_take(view_feed *f, view_batch *into) {
    into->n_evs = into->n_flights = into->n_drops = 0;
    into->flights_skipped = 0;
    into->compact_at = into->drops_compact_at = 0;
    pthread_mutex_lock(&f->lock);
    view_batch t = f->buf;
    f->buf = *into;
    *into = t;
    pthread_mutex_unlock(&f->lock);
}
