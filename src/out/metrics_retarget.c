/* metrics_retarget.c - what retargeting did on the main chain, and what a
 * selfish miner earned before and after the first retarget (metrics.h,
 * metrics_retarget).
 *
 * Everything is read from the main chain alone, lowest block first, by the
 * blocks' timestamps (the times the retarget rule itself measures): the
 * windows' mean intervals and difficulties, and the attackers' blocks
 * against what honest mining of their share would have earned by the same
 * time, share x t / T. That balance falls between their blocks and jumps at
 * each one, so the time from which it stays >= 0 is one of their blocks'
 * times (found in one pass: the last block that lifted it from below 0). */
#include <stdlib.h>

#include "out/metrics_int.h"
#include "util/mem.h"

void metrics_set_retarget(metrics *m, int64_t every) { m->retarget_every = every; }

double metrics_selfish_main_share(double alpha, double gamma) {
    /* Eyal & Sirer's stationary distribution: p1, then p0 = p1 / a,
     * p0' = (1 - a) p1, pk = p1 r^(k-1) with r = a / (1 - a). */
    double a = alpha, b = 1 - alpha, r = a / b;
    double p1 = (a - 2 * a * a) / (2 * a * a * a - 4 * a * a + 1);
    double p0 = p1 / a, p0s = b * p1, p2 = p1 * r, p3up = p1 * r * r / (1 - r);
    /* Main-chain blocks settled per transition out of each state. */
    double others = p0 * b + p0s * gamma * b + p0s * (1 - gamma) * b * 2;
    double pool = p0s * a * 2 + p0s * gamma * b + p2 * b * 2 + p3up * b;
    return others + pool;
}

double metrics_selfish_profit_time(double alpha, double gamma, int64_t first_intervals,
                                   double interval_s) {
    double rev = metrics_selfish_revenue(alpha, gamma);
    if (rev <= alpha) return -1;
    double delta = metrics_selfish_main_share(alpha, gamma);
    double t1 = (double)first_intervals * interval_s / delta;
    return t1 * rev * (1 - delta) / (rev - alpha);
}

static double metrics__ts_s(const block *b) { return (double)b->timestamp_ms / 1e3; }

static bool metrics__by_attacker(const metrics *m, const block *b) {
    intptr_t i = (intptr_t)hmap_get(&m->by_hash, b->hash, SHA256_LEN);
    if (!i) return false;
    int miner = m->blocks[i - 1].miner;
    return miner >= 0 && miner < m->n_nodes && m->attacker[miner];
}

/* mc[h] = the main chain's block at height h (0 = the genesis). */
static void metrics__windows(metrics *m, const block *const *mc, int64_t top) {
    metrics_retarget *r = &m->retarget;
    int64_t n = m->retarget_every;
    size_t complete = (size_t)((top + 1) / n); /* window k ends at height (k+1)n - 1 */
    r->window_interval_s = xcalloc(complete + 1, sizeof *r->window_interval_s);
    r->window_difficulty = xcalloc(complete + 1, sizeof *r->window_difficulty);
    for (size_t k = 0; k < complete; k++) {
        int64_t first = k == 0 ? 0 : (int64_t)k * n - 1, last = ((int64_t)k + 1) * n - 1;
        if (last > first) /* every 1: window 0 has no interval */
            r->window_interval_s[k] =
                (metrics__ts_s(mc[last]) - metrics__ts_s(mc[first])) / (double)(last - first);
        r->window_difficulty[k] = mc[last]->rel_difficulty;
    }
    r->n_windows = complete;
    r->retargets = (uint64_t)(top / n);
    if (complete > 0) {
        r->interval_first_s = r->window_interval_s[0];
        r->interval_last_s = r->window_interval_s[complete - 1];
    }
}

/* Attackers' blocks per interval T over (from, to] of the main chain. */
static double metrics__attacker_rate(const metrics *m, const block *const *mc, int64_t from,
                                     int64_t to, double t_s) {
    double span = metrics__ts_s(mc[to]) - metrics__ts_s(mc[from]);
    if (to <= from || span <= 0) return 0;
    uint64_t theirs = 0;
    for (int64_t h = from + 1; h <= to; h++) theirs += metrics__by_attacker(m, mc[h]);
    return (double)theirs * t_s / span;
}

static void metrics__attacker_profit(metrics *m, const block *const *mc, int64_t top,
                                     double t_s) {
    metrics_retarget *r = &m->retarget;
    int64_t n = m->retarget_every;
    if (top >= n - 1) {
        r->attacker_rate_first = metrics__attacker_rate(m, mc, 0, n - 1, t_s);
        r->attacker_rate_after = metrics__attacker_rate(m, mc, n - 1, top, t_s);
    }
    double per_s = m->attacker_share / t_s, earned = 0, since = 0;
    for (int64_t h = 1; h <= top; h++) {
        if (!metrics__by_attacker(m, mc[h])) continue;
        double t = metrics__ts_s(mc[h]);
        bool below = earned < per_s * t;
        earned += 1;
        if (below) since = earned >= per_s * t ? t : -1;
    }
    if (earned < per_s * metrics__ts_s(mc[top])) since = -1;
    r->attacker_profit_time_s = since;
    if (m->n_selfish > 0)
        r->selfish_profit_theory_s =
            metrics_selfish_profit_time(m->selfish_share, m->selfish_gamma, n - 1, t_s);
}

void metrics__retarget(metrics *m) {
    metrics_retarget *r = &m->retarget;
    r->difficulty_final = m->main_tip->rel_difficulty;
    if (m->retarget_every <= 0 || m->block_interval_us <= 0) return;
    int64_t top = m->main_tip->index - 1;
    const block **mc = xmalloc((size_t)(top + 1) * sizeof *mc);
    for (const block *b = m->main_tip; b; b = b->parent) mc[b->index - 1] = b;
    double t_s = (double)m->block_interval_us / 1e6;
    metrics__windows(m, mc, top);
    if (m->n_attackers > 0) metrics__attacker_profit(m, mc, top, t_s);
    free(mc);
}
