/* panels.c - the top bar, the consensus meter, the selected node's panel,
 * the block card and the help overlay.
 *
 * The meter answers "do the nodes agree?" at a glance, decided on the block
 * tree (fork.c): a banner green when every live node has the same tip, blue
 * while the newest block spreads along one chain, red when branches
 * compete ("Fork at #12: 2 branches", "6 vs 4 nodes"); how long the fork
 * has lasted; the latest and the longest fork that ended, with the blocks
 * they orphaned; the last reorg; and a chart of the competing branches over
 * recent sim time. The node panel reads the node's
 * published snapshot (height, tip, balances, mempool size) and, every
 * fraction of a second, asks it for its peers and mempool (CMD_INSPECT);
 * its buttons and the transaction form send commands. The buttons and the
 * form come before anything whose length varies, so they never move. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "view/view_int.h"

#define SIDE_PAD 12

void view__short_hash(char *out, size_t len, const block *b) {
    snprintf(out, len, "%.10s...", b->hash_hex);
}

int view__button(view_app *a, int x, int y, const char *label, view_action act, int arg,
                 bool enabled) {
    int w = view__text_width(&a->text, VF_SMALL, label) + 2 * VIEW_BUTTON_PAD;
    SDL_Rect r = {x, y, w, VIEW_BUTTON_H};
    SDL_Point mouse = {a->ui.mouse_x, a->ui.mouse_y};
    bool hot = enabled && SDL_PointInRect(&mouse, &r);
    view__fill(a->r, hot ? a->theme->button_hot : a->theme->button, r.x, r.y, r.w, r.h);
    view__frame_rect(a->r, a->theme->panel_edge, r.x, r.y, r.w, r.h);
    int th = view__text_height(&a->text, VF_SMALL);
    view__text(&a->text, VF_SMALL, enabled ? a->theme->text : a->theme->dim, x + VIEW_BUTTON_PAD,
               y + (VIEW_BUTTON_H - th) / 2, label);
    if (enabled) view__ui_add(&a->ui, r, act, arg);
    return w;
}

/* ---- top bar ---- */

void view__draw_bar(view_app *a) {
    const SDL_Rect *b = &a->rects.bar;
    const view_theme *th = a->theme;
    view__fill(a->r, th->panel, b->x, b->y, b->w, b->h);
    view__line(a->r, th->panel_edge, 0, (float)(b->y + b->h - 1), (float)b->w, (float)(b->y + b->h - 1));
    int x = 12, y = b->y + 11;
    x += view__text(&a->text, VF_BIG, th->text, x, y - 2, "chainsim") + 12;
    if (a->have_scn) x += view__text(&a->text, VF_NORMAL, th->accent, x, y, a->scn.name) + 16;
    char line[128], t[32];
    duration_format(t, sizeof t, a->now_us);
    snprintf(line, sizeof line, "t = %s", t);
    x += view__text(&a->text, VF_NORMAL, th->text, x, y, line) + 12;
    snprintf(line, sizeof line, "x%g", a->speed);
    x += view__text(&a->text, VF_NORMAL, th->dim, x, y, line) + 12;
    const char *state = a->finished ? "run over" : a->paused ? "paused" : "running";
    SDL_Color sc = a->finished ? th->dim : a->paused ? th->warn : th->good;
    x += view__text(&a->text, VF_NORMAL, sc, x, y, state) + 16;

    static const struct {
        const char *label;
        view_action act;
    } buttons[] = {{"Pause", ACT_PAUSE}, {"Step", ACT_STEP},     {"Slower", ACT_SLOWER},
                   {"Faster", ACT_FASTER}, {"Reload", ACT_RELOAD}, {"?", ACT_HELP}};
    int n = (int)(sizeof buttons / sizeof buttons[0]), total = 0;
    for (int i = 0; i < n; i++) {
        const char *label = buttons[i].act == ACT_PAUSE && a->paused ? "Resume" : buttons[i].label;
        total += view__text_width(&a->text, VF_SMALL, label) + 2 * VIEW_BUTTON_PAD + 6;
    }
    int bx = b->w - total - 6;
    for (int i = 0; i < n; i++) {
        const char *label = buttons[i].act == ACT_PAUSE && a->paused ? "Resume" : buttons[i].label;
        bool enabled = a->sim && (!a->finished || buttons[i].act == ACT_RELOAD || buttons[i].act == ACT_HELP);
        bx += view__button(a, bx, b->y + 10, label, buttons[i].act, 0, enabled) + 6;
    }
    /* the latest outcome, between the clock and the buttons, for a while */
    bool recent = a->status[0] && (a->wall_us - a->status_wall_us < 8000000 || a->status_bad);
    if (recent) {
        int room = b->w - total - 12 - x;
        if (room > 80) {
            char shown[256];
            snprintf(shown, sizeof shown, "%s", a->status);
            size_t len = strlen(shown);
            while (len > 4 && view__text_width(&a->text, VF_SMALL, shown) > room) {
                len--;
                while (len > 0 && ((unsigned char)shown[len] & 0xc0) == 0x80) len--;
                memcpy(shown + len, "...", 4);
            }
            view__text(&a->text, VF_SMALL, a->status_bad ? th->bad : th->dim, x, y + 2, shown);
        }
    }
}

/* ---- consensus meter ---- */

static void side__chart(view_app *a, int x, int y, int w, int h) {
    const view_model *m = &a->model;
    const view_theme *th = a->theme;
    view__fill(a->r, th->bg, x, y, w, h);
    view__frame_rect(a->r, th->panel_edge, x, y, w, h);
    /* the whole run while it is short, then a window that scrolls: about a
     * minute of wall time at the current speed, at least two of sim time */
    int64_t span = (int64_t)(60e6 * a->speed);
    if (span < 120000000) span = 120000000;
    int64_t window = a->now_us < span ? a->now_us : span;
    if (window < 10000000) window = 10000000;
    int64_t t1 = a->now_us > window ? a->now_us : window, t0 = t1 - window;
    /* value at t0: the last point before it */
    int cur = 1;
    size_t i = 0;
    while (i < m->n_series && m->series[i].t_us <= t0) cur = m->series[i++].branches;
    int top = 3, peak = cur > 1 ? cur : 1;
    for (size_t k = i; k < m->n_series; k++)
        if (m->series[k].branches > peak) peak = m->series[k].branches;
    if (peak > top) top = peak;
    if (cur < 1) cur = 1; /* every node down: drawn as no fork */
    float px = (float)x, py = (float)(y + h - 2) - (float)(cur - 1) / (float)(top - 1) * (float)(h - 20);
    SDL_Color c = th->accent;
    for (; i <= m->n_series; i++) {
        int64_t t = i < m->n_series ? m->series[i].t_us : a->now_us;
        if (t > a->now_us) t = a->now_us;
        float nx = (float)x + (float)(t - t0) / (float)window * (float)w;
        view__line(a->r, c, px, py, nx, py);
        if (i == m->n_series) break;
        int d = m->series[i].branches < 1 ? 1 : m->series[i].branches;
        float ny = (float)(y + h - 2) - (float)(d - 1) / (float)(top - 1) * (float)(h - 20);
        view__line(a->r, c, nx, py, nx, ny);
        px = nx;
        py = ny;
    }
    char label[96], dur[32];
    duration_format(dur, sizeof dur, window);
    int now = m->fork.state == VIEW_FORKED ? (int)m->fork.n_branches : 1;
    snprintf(label, sizeof label, "competing branches over the last %s: now %d, peak %d", dur, now,
             peak);
    view__text(&a->text, VF_SMALL, th->dim, x + 4, y + 2, label);
}

/* A small square in a branch's colour, then text; returns the width. */
static int side__swatch_text(view_app *a, int x, int y, int colour, const char *text) {
    view__fill(a->r, view__branch_colour(colour), x, y + 4, 10, 10);
    return 14 + view__text(&a->text, VF_NORMAL, a->theme->text, x + 14, y, text);
}

static int side__meter(view_app *a, int x, int y, int w) {
    const view_model *m = &a->model;
    const view_fork *f = &m->fork;
    const view_theme *th = a->theme;
    char line[320], title[96], detail[160], d1[32];
    view__text(&a->text, VF_NORMAL, th->dim, x, y, "Consensus");
    y += 22;
    view__fork_banner(m, title, sizeof title, detail, sizeof detail);
    SDL_Color bc = f->state == VIEW_ALL_DOWN  ? th->down
                   : f->state == VIEW_AGREED  ? th->good
                   : f->state == VIEW_FORKED  ? th->bad
                                              : th->main_fill;
    view__fill(a->r, bc, x, y, w, 34);
    int bh = view__text_height(&a->text, VF_BIG);
    view__text(&a->text, VF_BIG, th->text, x + 10, y + (34 - bh) / 2, title);
    y += 40;
    if (f->state == VIEW_FORKED) {
        duration_format(d1, sizeof d1, a->now_us - f->hist.since_us);
        snprintf(line, sizeof line, "forked for %s: %s", d1, detail);
        y += view__text_wrapped(&a->text, VF_NORMAL, th->text, x, y, w, line) + 2;
        int bx = x;
        for (size_t j = 0; j < f->n_branches && j < 4; j++) {
            const view_block *tip = &m->blocks[f->branches[j].tip];
            snprintf(line, sizeof line, "#%" PRId64 " (%d)", tip->height, f->branches[j].nodes);
            bx += side__swatch_text(a, bx, y, tip->colour, line) + 12;
        }
        y += 19;
    } else {
        if (f->state == VIEW_PROPAGATING) {
            view__text(&a->text, VF_NORMAL, th->text, x, y, detail);
            y += 19;
        }
        if (f->hist.n_forks == 0) snprintf(line, sizeof line, "no fork so far");
        else snprintf(line, sizeof line, "no fork now (%" PRIu64 " so far)", f->hist.n_forks);
        view__text(&a->text, VF_NORMAL, th->text, x, y, line);
        y += 19;
    }
    if (f->hist.have_latest) {
        char rec[128];
        forks_record_text(&f->hist.latest, rec, sizeof rec);
        duration_format(d1, sizeof d1, a->now_us - f->hist.latest.end_us);
        snprintf(line, sizeof line, "latest fork: %s, ended %s ago", rec, d1);
        y += view__text_wrapped(&a->text, VF_SMALL, th->text, x, y, w, line) + 1;
        if (f->hist.longest.start_us != f->hist.latest.start_us) {
            forks_record_text(&f->hist.longest, rec, sizeof rec);
            snprintf(line, sizeof line, "longest fork: %s", rec);
            y += view__text_wrapped(&a->text, VF_SMALL, th->text, x, y, w, line) + 1;
        }
    }
    if (m->last_reorg_us >= 0) {
        duration_format(d1, sizeof d1, a->now_us - m->last_reorg_us);
        snprintf(line, sizeof line, "last reorg: depth %d, %s ago (%" PRIu64 " in all)",
                 m->last_reorg_depth, d1, m->reorgs);
    } else {
        snprintf(line, sizeof line, "no reorg so far");
    }
    view__text(&a->text, VF_SMALL, th->text, x, y, line);
    y += 17;
    int down = m->n_nodes - m->live;
    int len = snprintf(line, sizeof line, "fork points %" PRIu64 "  |  stale %" PRIu64 "  |  blocks %zu",
                       m->forks, m->stale, m->n_blocks - 1);
    if (down) snprintf(line + len, sizeof line - (size_t)len, "  |  %d down", down);
    view__text(&a->text, VF_SMALL, th->text, x, y, line);
    y += 22;
    side__chart(a, x, y, w, 56);
    return y + 56;
}

/* ---- selected node ---- */

void view__note_text(const view_app *a, const view_ev *ev, char *out, size_t len) {
    char t[32];
    duration_format(t, sizeof t, ev->t_us);
    int n = snprintf(out, len, "%s  ", t);
    if (n < 0 || (size_t)n >= len) return;
    out += n;
    len -= (size_t)n;
    const char *peer = ev->peer >= 0 && ev->peer < a->scn.n_nodes ? a->scn.nodes[ev->peer].name : "a peer";
    switch (ev->kind) {
    case EV_MINED: snprintf(out, len, "mined block #%" PRId64, ev->block->index); break;
    case EV_TIP_CHANGED:
        if (ev->reorg_depth > 0)
            snprintf(out, len, "reorg depth %d, now on #%" PRId64, ev->reorg_depth, ev->block->index);
        else
            snprintf(out, len, "tip -> #%" PRId64, ev->block->index);
        break;
    case EV_BLOCK_REJECTED:
        snprintf(out, len, "rejected block #%" PRId64 " from %s: %s", ev->block ? ev->block->index : 0,
                 peer, reject_message(ev->reason));
        break;
    case EV_CHAIN_REJECTED:
        snprintf(out, len, "rejected the chain of %s: %s", peer, reject_message(ev->reason));
        break;
    case EV_TX_ACCEPTED: snprintf(out, len, "tx accepted: %s", ev->tx_text); break;
    case EV_TX_REJECTED:
        snprintf(out, len, "tx refused%s%s: %s", ev->tx_text[0] ? " " : "", ev->tx_text,
                 reject_message(ev->reason));
        break;
    case EV_RESOLVED:
        snprintf(out, len, ev->value != 0 ? "resolved: adopted a heavier chain (#%" PRId64 ")"
                                          : "resolved: kept its chain (#%" PRId64 ")",
                 ev->block ? ev->block->index : 0);
        break;
    case EV_CRASH: snprintf(out, len, "crashed"); break;
    case EV_RESTART: snprintf(out, len, "restarted"); break;
    case EV_ISOLATE: snprintf(out, len, "cut off from its peers"); break;
    case EV_RECONNECT: snprintf(out, len, "reconnected"); break;
    case EV_HASH_POWER: snprintf(out, len, "hash power %.1f%%", ev->value * 100); break;
    case EV_ATTACKER:
        snprintf(out, len, "attacker: %s", node_strategy_name((node_strategy)ev->strategy));
        break;
    case EV_ATTACK:
        if (ev->strategy == NODE_SELFISH)
            snprintf(out, len, "tie race %s", ev->value > 0 ? "won" : "lost");
        else
            snprintf(out, len, "double spend %s",
                     ev->value > 1    ? "started" /* a round, see node/event.h */
                     : ev->value > 0  ? "released"
                     : ev->value == 0 ? "given up"
                                      : "without funds");
        break;
    default: snprintf(out, len, "%s", ev_kind_name(ev->kind)); break;
    }
}

static int side__ledger_cmp(const void *pa, const void *pb) {
    const ledger_entry *a = pa, *b = pb;
    if (a->balance != b->balance) return a->balance > b->balance ? -1 : 1;
    return strcmp(a->name, b->name);
}

static void side__field(view_app *a, int x, int y, int w, const char *label, const char *value,
                        view_field field, view_action act) {
    const view_theme *th = a->theme;
    int lw = view__text(&a->text, VF_SMALL, th->dim, x, y + 4, label) + 4;
    SDL_Rect r = {x + lw, y, w - lw, VIEW_BUTTON_H};
    bool focus = a->field == field;
    view__fill(a->r, th->bg, r.x, r.y, r.w, r.h);
    view__frame_rect(a->r, focus ? th->accent : th->panel_edge, r.x, r.y, r.w, r.h);
    int tw = view__text(&a->text, VF_SMALL, th->text, r.x + 4, r.y + 4, value);
    if (focus) view__fill(a->r, th->text, r.x + 5 + tw, r.y + 4, 1, VIEW_BUTTON_H - 8);
    view__ui_add(&a->ui, r, act, 0);
}

void view__mempool_line(char *out, size_t len, size_t snap_size, const view_inspect *in) {
    if (!in || !in->txs) { /* not asked yet: the published count alone */
        snprintf(out, len, "mempool %zu", snap_size);
        return;
    }
    /* the count and the list from the same answer, so they cannot disagree */
    int n = snprintf(out, len, "mempool %zu", in->total_txs);
    for (size_t i = 0; i < in->n_txs && n > 0 && (size_t)n + 40 < len; i++)
        n += snprintf(out + n, len - (size_t)n, "%s%s", i ? ";  " : ":  ", in->txs[i]);
    if (in->total_txs > in->n_txs && n > 0 && (size_t)n < len)
        snprintf(out + n, len - (size_t)n, "  (+%zu more)", in->total_txs - in->n_txs);
}

/* The part of the node panel whose size never changes: name, state, tip,
 * hash power, the action buttons and the transaction form, so the buttons
 * stay where they are while lists below them grow and wrap. */
static int side__node_controls(view_app *a, int x, int y, int w, const view_node *vn) {
    const view_theme *th = a->theme;
    const view_model *m = &a->model;
    int id = a->selected;
    char line[320], hash[32];
    view__disc(a->r, view__node_fill(a, id), (float)x + 8, (float)y + 11, 7);
    int nx = x + 22 + view__text(&a->text, VF_BIG, th->text, x + 22, y, a->scn.nodes[id].name) + 10;
    const char *state = vn->crashed ? "crashed" : vn->isolated ? "cut off" : "up";
    view__text(&a->text, VF_NORMAL, vn->crashed || vn->isolated ? th->bad : th->good, nx, y + 3, state);
    y += 26;
    const char *url = a->opt.node_url ? a->opt.node_url(a->opt.hook_user, id) : NULL;
    if (url) {
        view__text(&a->text, VF_SMALL, th->accent, x, y, url);
        y += 17;
    }
    view__short_hash(hash, sizeof hash, vn->tip);
    snprintf(line, sizeof line, "height #%" PRId64 "   tip ", vn->tip->index);
    int lw = view__text(&a->text, VF_NORMAL, th->text, x, y, line);
    lw += view__text(&a->text, VF_MONO, th->text, x + lw, y + 1, hash);
    int behind = view__node_behind(m, id);
    if (behind > 0) {
        snprintf(line, sizeof line, "  %d behind", behind);
        view__text(&a->text, VF_NORMAL, th->warn, x + lw, y, line);
    }
    y += 20;
    snprintf(line, sizeof line, "hash power %.1f%%", (vn->share > 0 ? vn->share : 0) * 100);
    lw = view__text(&a->text, VF_NORMAL, th->text, x, y + 3, line) + 10;
    lw += view__button(a, x + lw, y, "-", ACT_POWER_DOWN, 0, true) + 4;
    view__button(a, x + lw, y, "+", ACT_POWER_UP, 0, true);
    y += 30;
    bool up = !vn->crashed, open = !a->finished;
    int bx = x;
    bx += view__button(a, bx, y, "Mine (M)", ACT_MINE, 0, up && open) + 5;
    bx += view__button(a, bx, y, "Resolve (C)", ACT_RESOLVE, 0, up && open) + 5;
    bx += view__button(a, bx, y, vn->isolated ? "Reconnect (X)" : "Cut off (X)", ACT_CUT, 0, open) + 5;
    view__button(a, bx, y, vn->crashed ? "Restart (K)" : "Crash (K)", ACT_CRASH, 0, open);
    y += 32;
    view__text(&a->text, VF_SMALL, th->dim, x, y, "New transaction (T, Tab between fields, Enter sends)");
    y += 17;
    int fw = (w - 70) / 3;
    side__field(a, x, y, fw, "from", a->tx_from, FIELD_FROM, ACT_FIELD_FROM);
    side__field(a, x + fw + 4, y, fw, "to", a->tx_to, FIELD_TO, ACT_FIELD_TO);
    side__field(a, x + 2 * fw + 8, y, fw - 4, "amt", a->tx_amount, FIELD_AMOUNT, ACT_FIELD_AMOUNT);
    view__button(a, x + 3 * fw + 10, y, "Send", ACT_TX_SEND, 0, up && open);
    return y + 28;
}

static int side__node(view_app *a, int x, int y, int w) {
    const view_theme *th = a->theme;
    const view_model *m = &a->model;
    int id = a->selected;
    const view_node *vn = &m->nodes[id];
    node_snapshot snap;
    node_snapshot_get(sim_node(a->sim, id), &snap);
    char line[320];
    y = side__node_controls(a, x, y, w, vn);
    if (a->tx_result[0])
        y += view__text_wrapped(&a->text, VF_SMALL, a->tx_result_bad ? th->bad : th->good, x, y, w,
                                a->tx_result) + 4;
    y += 4;
    const view_inspect *in = a->inspect.node == id ? &a->inspect : NULL;
    int len = snprintf(line, sizeof line, "peers %zu", in && in->peers ? in->n_peers : snap.n_peers);
    if (in && in->peers) {
        for (size_t i = 0; i < in->n_peers && len < 200; i++) {
            int p = in->peers[i];
            const char *name = p >= 0 && p < a->scn.n_nodes ? a->scn.nodes[p].name : "remote";
            len += snprintf(line + len, sizeof line - (size_t)len, "%s%s", i ? ", " : ": ", name);
        }
    }
    y += view__text_wrapped(&a->text, VF_SMALL, th->text, x, y, w, line) + 3;
    view__mempool_line(line, sizeof line, snap.mempool_size, in);
    y += view__text_wrapped(&a->text, VF_SMALL, th->text, x, y, w, line) + 3;
    if (snap.balances) {
        size_t n = ledger_count(snap.balances);
        ledger_entry *sorted = xmalloc((n + 1) * sizeof *sorted);
        ledger_list(snap.balances, sorted, n);
        qsort(sorted, n, sizeof *sorted, side__ledger_cmp);
        len = snprintf(line, sizeof line, "balances");
        for (size_t i = 0; i < n && i < 8 && len < 260; i++)
            len += snprintf(line + len, sizeof line - (size_t)len, "%s%.12s %" PRId64, i ? ",  " : ":  ",
                            sorted[i].name, sorted[i].balance);
        if (n > 8 && len < 300) snprintf(line + len, sizeof line - (size_t)len, "  (+%zu)", n - 8);
        free(sorted);
        y += view__text_wrapped(&a->text, VF_SMALL, th->text, x, y, w, line) + 6;
    }
    node_snapshot_release(&snap);
    view__text(&a->text, VF_SMALL, th->dim, x, y, "Recent events");
    y += 17;
    const view_ev *notes[VIEW_NOTES];
    int nn = view__model_notes(m, id, notes, VIEW_NOTES);
    int bottom = a->rects.side.y + a->rects.side.h - 8;
    for (int i = 0; i < nn && y + 16 < bottom; i++) {
        view__note_text(a, notes[i], line, sizeof line);
        bool bad = notes[i]->kind == EV_BLOCK_REJECTED || notes[i]->kind == EV_TX_REJECTED ||
                   notes[i]->kind == EV_CHAIN_REJECTED ||
                   (notes[i]->kind == EV_TIP_CHANGED && notes[i]->reorg_depth > 0);
        y += view__text_wrapped(&a->text, VF_SMALL, bad ? th->warn : th->text, x, y, w, line);
    }
    return y;
}

void view__draw_side(view_app *a) {
    const SDL_Rect *s = &a->rects.side;
    const view_theme *th = a->theme;
    view__fill(a->r, th->panel, s->x, s->y, s->w, s->h);
    view__line(a->r, th->panel_edge, (float)s->x, (float)s->y, (float)s->x, (float)(s->y + s->h));
    int x = s->x + SIDE_PAD, w = s->w - 2 * SIDE_PAD;
    SDL_RenderSetClipRect(a->r, s);
    int y = side__meter(a, x, s->y + 10, w) + 14;
    view__line(a->r, th->panel_edge, (float)x, (float)y, (float)(x + w), (float)y);
    y += 10;
    if (a->selected >= 0 && a->selected < a->model.n_nodes) {
        side__node(a, x, y, w);
    } else {
        view__text(&a->text, VF_NORMAL, th->dim, x, y, "Node");
        y += 24;
        y += view__text_wrapped(&a->text, VF_NORMAL, th->text, x, y, w,
                                "Click a node to see its chain, balances and mempool, and to "
                                "mine, resolve conflicts, cut it off, crash it or send a "
                                "transaction through it.");
        y += 8;
        view__text_wrapped(&a->text, VF_NORMAL, th->dim, x, y, w,
                           "Press ? for every mouse action and key.");
    }
    SDL_RenderSetClipRect(a->r, NULL);
}

/* ---- block card ---- */

static int card__row(view_app *a, int x, int y, const char *label, const char *value, SDL_Color c) {
    view__text(&a->text, VF_SMALL, a->theme->dim, x, y + 1, label);
    view__text(&a->text, VF_NORMAL, c, x + 84, y, value);
    return 19;
}

void view__draw_card(view_app *a) {
    const view_theme *th = a->theme;
    const view_model *m = &a->model;
    const view_block *v = &m->blocks[a->card];
    const block *b = v->b;
    const SDL_Rect *g = &a->rects.graph;
    int w = g->w - 24 < 600 ? g->w - 24 : 600;
    int x = g->x + g->w - w - 12, y = g->y + 30;
    int h = 300 + (int)(b->n_txs < 8 ? b->n_txs : 8) * 16;
    if (h > g->h + a->rects.tree.h - 40) h = g->h + a->rects.tree.h - 40;
    view__fill(a->r, th->panel, x, y, w, h);
    view__frame_rect(a->r, th->accent, x, y, w, h);
    view__ui_add(&a->ui, (SDL_Rect){x, y, w, h}, ACT_NONE, 0); /* clicks stop here */
    char line[256];
    int cx = x + 14, cy = y + 10;
    snprintf(line, sizeof line, "Block #%" PRId64, b->index);
    int tw = view__text(&a->text, VF_BIG, th->text, cx, cy, line) + 12;
    static const char *const status[] = {[VB_MAIN] = "main chain", [VB_COMPETING] = "competing branch",
                                         [VB_STALE] = "stale branch", [VB_REJECTED] = "rejected"};
    SDL_Color sc = v->state == VB_REJECTED ? th->bad : v->state == VB_MAIN ? th->good
                   : v->state == VB_COMPETING ? view__branch_colour(v->colour) : th->warn;
    view__text(&a->text, VF_NORMAL, sc, cx + tw, cy + 3, status[v->state]);
    int cw = view__text_width(&a->text, VF_SMALL, "Close") + 2 * VIEW_BUTTON_PAD;
    view__button(a, x + w - cw - 10, y + 8, "Close", ACT_CLOSE_CARD, 0, true);
    cy += 32;
    /* the hash, its leading zeros (the proof of work) marked */
    view__text(&a->text, VF_SMALL, th->dim, cx, cy + 1, "hash");
    int zeros = block_hash_zero_digits(b);
    char zs[BLOCK_HASH_HEX_LEN + 1];
    snprintf(zs, sizeof zs, "%.*s", zeros, b->hash_hex);
    int zx = cx + 84;
    zx += view__text(&a->text, VF_MONO, th->miner_ring, zx, cy, zs);
    view__text(&a->text, VF_MONO, th->text, zx, cy, b->hash_hex + zeros);
    cy += 17;
    snprintf(line, sizeof line, "%d leading zero hex digits; difficulty %d bits", zeros, b->difficulty);
    view__text(&a->text, VF_SMALL, th->dim, cx + 84, cy, line);
    cy += 18;
    view__text(&a->text, VF_SMALL, th->dim, cx, cy + 1, "previous");
    view__text(&a->text, VF_MONO, th->dim, cx + 84, cy, b->prev_hash);
    cy += 19;
    snprintf(line, sizeof line, "%" PRIu64, b->proof);
    cy += card__row(a, cx, cy, "nonce", line, th->text);
    cy += card__row(a, cx, cy, "miner", b->miner[0] ? b->miner : "(none)", th->text);
    char t1[32], t2[32];
    duration_format(t1, sizeof t1, b->timestamp_ms * 1000);
    duration_format(t2, sizeof t2, v->seen_us);
    snprintf(line, sizeof line, "sealed at %s (seen here at %s), %zu bytes", t1, t2, b->wire_bytes);
    cy += card__row(a, cx, cy, "time", line, th->text);
    if (v->rejected) {
        snprintf(line, sizeof line, "by %s: %s",
                 v->rejected_by >= 0 ? a->scn.nodes[v->rejected_by].name : "a node",
                 reject_message(v->reason));
        cy += card__row(a, cx, cy, "rejected", line, th->bad);
    }
    int len = 0;
    int holders = 0;
    line[0] = '\0';
    for (int i = 0; i < m->n_nodes; i++) {
        if (m->nodes[i].tip != b || m->nodes[i].crashed) continue;
        if (holders < 12 && len < 200)
            len += snprintf(line + len, sizeof line - (size_t)len, "%s%s", holders ? ", " : "",
                            a->scn.nodes[i].name);
        holders++;
    }
    if (holders > 12) snprintf(line + len, sizeof line - (size_t)len, " and %d more", holders - 12);
    if (!holders) snprintf(line, sizeof line, "no node");
    cy += card__row(a, cx, cy, "tip of", line, th->text);
    snprintf(line, sizeof line, "transactions (%zu)", b->n_txs);
    view__text(&a->text, VF_SMALL, th->dim, cx, cy + 4, line);
    cy += 22;
    for (size_t i = 0; i < b->n_txs && i < 8 && cy + 16 < y + h; i++) {
        const tx *t = b->txs[i];
        snprintf(line, sizeof line, "%s%s -> %s  %" PRId64, tx_is_reward(t) ? "reward  " : "",
                 t->sender, t->receiver, t->amount);
        view__text(&a->text, VF_SMALL, th->text, cx + 10, cy, line);
        cy += 16;
    }
    if (b->n_txs > 8) {
        snprintf(line, sizeof line, "... and %zu more", b->n_txs - 8);
        view__text(&a->text, VF_SMALL, th->dim, cx + 10, cy, line);
    }
}

/* ---- help ---- */

void view__draw_help(view_app *a) {
    const view_theme *th = a->theme;
    static const char *const mouse[][2] = {
        {"click a node", "select it: its panel on the right"},
        {"drag a node", "move it"},
        {"drag the background", "pan the graph"},
        {"wheel on the graph", "zoom the graph"},
        {"click a block", "its card: hash, nonce, miner, txs"},
        {"drag / wheel the tree", "pan / zoom the block tree"},
        {"drop a .json file", "open that scenario"},
    };
    static const char *const keys[][2] = {
        {"Space", "pause / resume"},
        {"N or .", "step one event"},
        {"+  -", "faster / slower"},
        {"R", "reload the scenario"},
        {"F  End", "follow the newest block"},
        {"Tab", "select the next node"},
        {"M", "mine a block now (selected node)"},
        {"C", "resolve conflicts"},
        {"X", "cut off / reconnect"},
        {"K", "crash / restart"},
        {"[  ]", "less / more hash power"},
        {"T", "new transaction (Tab, Enter)"},
        {"Esc", "close, deselect"},
        {"?  F1", "this help"},
        {"Q", "quit"},
    };
    int n_mouse = (int)(sizeof mouse / sizeof mouse[0]), n_keys = (int)(sizeof keys / sizeof keys[0]);
    int w = 720, h = 60 + (n_keys > n_mouse ? n_keys : n_mouse) * 20 + 50;
    int x = (a->w - w) / 2, y = (a->h - h) / 2;
    view__fill(a->r, (SDL_Color){0, 0, 0, 150}, 0, 0, a->w, a->h);
    view__fill(a->r, th->panel, x, y, w, h);
    view__frame_rect(a->r, th->accent, x, y, w, h);
    view__ui_add(&a->ui, (SDL_Rect){0, 0, a->w, a->h}, ACT_HELP, 0); /* a click closes it */
    view__text(&a->text, VF_BIG, th->text, x + 20, y + 14, "Mouse and keys");
    int cy = y + 50;
    view__text(&a->text, VF_NORMAL, th->accent, x + 20, cy, "Mouse");
    view__text(&a->text, VF_NORMAL, th->accent, x + 380, cy, "Keys");
    cy += 24;
    for (int i = 0; i < n_mouse; i++) {
        view__text(&a->text, VF_SMALL, th->text, x + 20, cy + i * 20, mouse[i][0]);
        view__text(&a->text, VF_SMALL, th->dim, x + 160, cy + i * 20, mouse[i][1]);
    }
    for (int i = 0; i < n_keys; i++) {
        view__text(&a->text, VF_SMALL, th->text, x + 380, cy + i * 20, keys[i][0]);
        view__text(&a->text, VF_SMALL, th->dim, x + 450, cy + i * 20, keys[i][1]);
    }
    view__text(&a->text, VF_SMALL, th->dim, x + 20, y + h - 26,
               "Every action is a command to the node, as from HTTP or a scenario event.");
}
