/* graph.c - the peer graph: links, messages in flight, nodes.
 *
 * Drawn back to front: links (cut ones dashed red), messages moving from
 * sender to receiver between their send and arrival times (blocks as big
 * orange squares, announcements small and pale, transactions small and
 * green), drops as red crosses where they died, then the nodes, each
 * filled with the colour of the branch it is on (fork.c: a colour is a
 * branch for the whole run), dimmed while the node is behind on that
 * branch; the miner of the newest block ringed in gold, the selection in
 * white, a node cut off ringed in red and a crashed one grey with a cross.
 *
 * Names are placed where they cover no disc and no other name (below,
 * above, right or left of the node); one that fits nowhere shows on hover.
 * The message under the mouse says what it carries. Links fade as they
 * grow many, so messages stay visible.
 *
 * At 1,000 nodes a frame has ~8,000 links and up to tens of thousands of
 * messages, so those are batched: all links in one line list, messages as
 * one rectangle list per kind. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "net/msg.h"
#include "util/mem.h"
#include "view/view_int.h"

#define GRAPH_LABELS_MAX 60 /* more nodes than this: names only on hover/selection */

#define GRAPH_HOVER_PX 7          /* a message this close to the mouse is "under" it */

static void graph__links(view_app *a, const float *px, const float *py) {
    const view_model *m = &a->model;
    SDL_Renderer *r = a->r;
    view__colour(r, view__link_colour(a->theme, m->n_edges));
    for (size_t e = 0; e < m->n_edges; e++) {
        int i = m->edges[e].a, j = m->edges[e].b;
        if (view__model_cut(m, i, j)) continue;
        SDL_RenderDrawLineF(r, px[i], py[i], px[j], py[j]);
    }
    for (size_t e = 0; e < m->n_edges; e++) {
        int i = m->edges[e].a, j = m->edges[e].b;
        if (view__model_cut(m, i, j)) view__dashed(r, a->theme->link_cut, px[i], py[i], px[j], py[j], 6);
    }
}

static void graph__messages(view_app *a, const float *px, const float *py) {
    const view_model *m = &a->model;
    static const float size[VMSG_CLASS_COUNT] = {7, 4, 4};
    SDL_FRect *rects[VMSG_CLASS_COUNT];
    int n[VMSG_CLASS_COUNT] = {0};
    for (int c = 0; c < VMSG_CLASS_COUNT; c++) {
        a->msg_rects[c] = xgrow(a->msg_rects[c], &a->cap_msg_rects[c], m->n_flights + 1,
                                sizeof *a->msg_rects[c]);
        rects[c] = a->msg_rects[c];
    }
    float zoom = a->g_zoom < 1 ? 1 : a->g_zoom > 2 ? 2 : a->g_zoom;
    float mx = (float)a->ui.mouse_x, my = (float)a->ui.mouse_y, near = GRAPH_HOVER_PX * GRAPH_HOVER_PX;
    a->hover_flight = -1;
    for (size_t i = 0; i < m->n_flights; i++) {
        const view_flight *f = &m->flights[i];
        double span = (double)(f->arrive_us - f->sent_us);
        double t = span > 0 ? (double)(a->now_us - f->sent_us) / span : 1;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        float x = px[f->from] + (px[f->to] - px[f->from]) * (float)t;
        float y = py[f->from] + (py[f->to] - py[f->from]) * (float)t;
        float s = size[f->cls] * zoom;
        rects[f->cls][n[f->cls]++] = (SDL_FRect){x - s / 2, y - s / 2, s, s};
        float d = (x - mx) * (x - mx) + (y - my) * (y - my);
        if (d < near) {
            near = d;
            a->hover_flight = (int)i;
            a->hover_x = x;
            a->hover_y = y;
        }
    }
    /* announcements first: they are the most numerous and least telling */
    static const view_msg_class order[VMSG_CLASS_COUNT] = {VMSG_ANNOUNCE, VMSG_TX, VMSG_BLOCK};
    for (int k = 0; k < VMSG_CLASS_COUNT; k++) {
        view_msg_class c = order[k];
        if (!n[c]) continue;
        view__colour(a->r, a->theme->msg[c]);
        SDL_RenderFillRectsF(a->r, rects[c], n[c]);
    }
    for (size_t i = 0; i < m->n_drops; i++) {
        const view_flight *d = &m->drops[i];
        if (d->from < 0 || d->from >= m->n_nodes) continue;
        /* where it died: most of the way to the receiver */
        float x = px[d->from] + (px[d->to] - px[d->from]) * 0.7f;
        float y = py[d->from] + (py[d->to] - py[d->from]) * 0.7f;
        view__line(a->r, a->theme->drop, x - 4, y - 4, x + 4, y + 4);
        view__line(a->r, a->theme->drop, x - 4, y + 4, x + 4, y - 4);
        view__line(a->r, a->theme->drop, x - 3, y - 4, x + 5, y + 4);
        view__line(a->r, a->theme->drop, x - 3, y + 4, x + 5, y - 4);
    }
}

static void graph__nodes(view_app *a, const float *px, const float *py) {
    const view_model *m = &a->model;
    const view_theme *th = a->theme;
    float rad = view__app_node_radius(a);
    for (int i = 0; i < m->n_nodes; i++) {
        const view_node *n = &m->nodes[i];
        float x = px[i], y = py[i];
        if (i == m->last_miner) view__ring(a->r, th->miner_ring, x, y, rad + 2, rad > 6 ? 3 : 2);
        if (i == a->selected) view__ring(a->r, th->select_ring, x, y, rad + (i == m->last_miner ? 6 : 2), 2);
        view__sprite_disc(&a->sprites, view__node_fill(a, i), x, y, rad);
        if (n->isolated) view__ring(a->r, th->link_cut, x, y, rad + 1, 2);
        if (n->strategy != NODE_HONEST) view__ring(a->r, th->bad, x, y, rad + 4, 2);
        if (n->crashed) {
            float k = rad * 0.6f;
            view__line(a->r, th->bg, x - k, y - k, x + k, y + k);
            view__line(a->r, th->bg, x - k, y + k, x + k, y - k);
        }
        int hr = (int)rad + 3;
        view__ui_add(&a->ui, (SDL_Rect){(int)x - hr, (int)y - hr, 2 * hr, 2 * hr}, ACT_NODE, i);
    }
}

/* Does the rectangle come near a disc other than node `self`'s? */
static bool graph__covers_disc(const view_app *a, const float *px, const float *py, int self,
                               SDL_Rect r, float rad) {
    for (int k = 0; k < a->model.n_nodes; k++) {
        if (k == self) continue;
        float cx = px[k] < r.x ? (float)r.x : px[k] > r.x + r.w ? (float)(r.x + r.w) : px[k];
        float cy = py[k] < r.y ? (float)r.y : py[k] > r.y + r.h ? (float)(r.y + r.h) : py[k];
        float dx = px[k] - cx, dy = py[k] - cy;
        if (dx * dx + dy * dy < (rad + 2) * (rad + 2)) return true;
    }
    return false;
}

/* A place for node i's label (w x h) that covers no disc, no placed label
 * and stays in the graph; false if there is none (forced: below anyway). */
static bool graph__place(view_app *a, const float *px, const float *py, int i, int w, int h,
                         float rad, bool forced, SDL_Rect *out) {
    int x = (int)px[i], y = (int)py[i], gap = (int)rad + 3;
    const SDL_Rect tries[4] = {{x - w / 2, y + gap, w, h}, {x - w / 2, y - gap - h, w, h},
                               {x + gap + 1, y - h / 2, w, h}, {x - gap - 1 - w, y - h / 2, w, h}};
    const SDL_Rect *g = &a->rects.graph;
    for (int t = 0; t < 4; t++) {
        const SDL_Rect *r = &tries[t];
        if (r->x < g->x || r->y < g->y || r->x + r->w > g->x + g->w || r->y + r->h > g->y + g->h)
            continue;
        if (graph__covers_disc(a, px, py, i, *r, rad)) continue;
        bool clash = false;
        for (size_t k = 0; k < a->n_labels && !clash; k++)
            clash = SDL_HasIntersection(r, &a->labels[k].rect);
        if (clash) continue;
        *out = *r;
        return true;
    }
    if (!forced) return false;
    *out = tries[0];
    return true;
}

void view__node_label(const view_app *a, int i, char *out, size_t len) {
    const view_model *m = &a->model;
    const char *name = a->scn.nodes[i].name;
    int strategy = m->nodes[i].strategy, behind = view__node_behind(m, i);
    int n = snprintf(out, len, "%.60s", name);
    if (n < 0 || (size_t)n >= len) return;
    if (strategy != NODE_HONEST) /* attackers say what they are */
        n += snprintf(out + n, len - (size_t)n, " (%s)", node_strategy_name((node_strategy)strategy));
    if (behind > 0 && (size_t)n < len) snprintf(out + n, len - (size_t)n, "  %d behind", behind);
}

static void graph__labels(view_app *a, const float *px, const float *py) {
    const view_model *m = &a->model;
    const view_theme *th = a->theme;
    float rad = view__app_node_radius(a);
    a->n_labels = 0;
    a->labels = xgrow(a->labels, &a->cap_labels, (size_t)m->n_nodes + 1, sizeof *a->labels);
    bool all = m->n_nodes <= GRAPH_LABELS_MAX;
    int h = view__text_height(&a->text, VF_SMALL);
    /* the ones the user is looking at first: they always get a place */
    int forced[3] = {a->selected, a->hover, m->last_miner};
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < (pass ? m->n_nodes : 3); k++) {
            int i = pass ? k : forced[k];
            if (i < 0 || i >= m->n_nodes) continue;
            if (pass && (!all || i == forced[0] || i == forced[1] || i == forced[2])) continue;
            bool dup = false;
            for (size_t j = 0; j < a->n_labels && !dup; j++) dup = a->labels[j].node == i;
            if (dup) continue;
            char label[128];
            view__node_label(a, i, label, sizeof label);
            int w = view__text_width(&a->text, VF_SMALL, label);
            SDL_Rect r;
            if (!graph__place(a, px, py, i, w, h, rad, !pass, &r)) continue;
            a->labels[a->n_labels++] = (view_label){i, r};
            int strategy = m->nodes[i].strategy;
            SDL_Color c = strategy != NODE_HONEST ? th->bad : i == a->selected ? th->text : th->dim;
            view__text(&a->text, VF_SMALL, c, r.x, r.y, label);
        }
}

void view__flight_text(const view_app *a, const view_flight *f, char *out, size_t len) {
    const char *from = f->from >= 0 && f->from < a->scn.n_nodes ? a->scn.nodes[f->from].name : "?";
    const char *to = f->to >= 0 && f->to < a->scn.n_nodes ? a->scn.nodes[f->to].name : "a remote peer";
    /* "block #2 (...)", "tx 7f3a...", or what kind of message about them */
    msg_kind k = (msg_kind)f->kind;
    char about[64];
    if (f->tx_id[0]) snprintf(about, sizeof about, "tx %s...", f->tx_id);
    else if (f->block) snprintf(about, sizeof about, "block #%" PRId64 " (%.8s)", f->block->index, f->block->hash_hex);
    else about[0] = '\0';
    bool payload = (k == MSG_TX && f->tx_id[0]) || (k == MSG_BLOCK && f->block && !f->tx_id[0]);
    if (payload || !about[0])
        snprintf(out, len, "%s  %.20s -> %.20s", about[0] ? about : msg_kind_name(k), from, to);
    else
        snprintf(out, len, "%s of %s  %.20s -> %.20s", msg_kind_name(k), about, from, to);
}

static void graph__hover_flight(view_app *a) {
    if (a->hover_flight < 0 || a->hover >= 0) return;
    const view_theme *th = a->theme;
    char line[160];
    view__flight_text(a, &a->model.flights[a->hover_flight], line, sizeof line);
    int w = view__text_width(&a->text, VF_SMALL, line) + 10, h = view__text_height(&a->text, VF_SMALL) + 4;
    int x = (int)a->hover_x + 10, y = (int)a->hover_y - h - 6;
    const SDL_Rect *g = &a->rects.graph;
    if (x + w > g->x + g->w) x = g->x + g->w - w;
    if (y < g->y) y = (int)a->hover_y + 10;
    view__fill(a->r, th->panel, x, y, w, h);
    view__frame_rect(a->r, th->msg[a->model.flights[a->hover_flight].cls], x, y, w, h);
    view__text(&a->text, VF_SMALL, th->text, x + 5, y + 2, line);
}

static void graph__legend(view_app *a) {
    const SDL_Rect *g = &a->rects.graph;
    const view_theme *th = a->theme;
    int x = g->x + 10, y = g->y + g->h - 20;
    static const char *names[VMSG_CLASS_COUNT] = {"block", "announcement", "transaction"};
    static const int size[VMSG_CLASS_COUNT] = {7, 4, 4};
    for (int c = 0; c < VMSG_CLASS_COUNT; c++) {
        view__fill(a->r, th->msg[c], x, y + 7 - size[c] / 2, size[c], size[c]);
        x += size[c] + 5;
        x += view__text(&a->text, VF_SMALL, th->dim, x, y, names[c]) + 14;
    }
    view__line(a->r, th->drop, (float)x, (float)y + 3, (float)x + 7, (float)y + 10);
    view__line(a->r, th->drop, (float)x, (float)y + 10, (float)x + 7, (float)y + 3);
    x += 12;
    x += view__text(&a->text, VF_SMALL, th->dim, x, y, "dropped") + 14;
    view__dashed(a->r, th->link_cut, (float)x, (float)y + 7, (float)x + 22, (float)y + 7, 4);
    x += 27;
    x += view__text(&a->text, VF_SMALL, th->dim, x, y, "cut link") + 14;
    view__ring(a->r, th->miner_ring, (float)x + 5, (float)y + 7, 4, 2);
    x += 14;
    x += view__text(&a->text, VF_SMALL, th->dim, x, y, "latest miner") + 14;
    view__ring(a->r, th->bad, (float)x + 5, (float)y + 7, 4, 2);
    x += 14;
    view__text(&a->text, VF_SMALL, th->dim, x, y, "attacker");
}

static void graph__captions(view_app *a) {
    const SDL_Rect *g = &a->rects.graph;
    const view_model *m = &a->model;
    const view_theme *th = a->theme;
    char line[320];
    int y = g->y + 8;
    view__text(&a->text, VF_NORMAL, th->dim, g->x + 10, y, "Peer graph");
    if (m->last_note) {
        snprintf(line, sizeof line, "%.1f s  %s", (double)m->last_note_us / 1e6, m->last_note);
        view__text(&a->text, VF_SMALL, th->warn, g->x + 100, y + 2, line);
    }
    if (m->flights_skipped) {
        snprintf(line, sizeof line, "%" PRIu64 " messages at once: not all drawn", m->flights_skipped);
        int w = view__text_width(&a->text, VF_SMALL, line);
        view__text(&a->text, VF_SMALL, th->dim, g->x + g->w - w - 10, g->y + g->h - 20, line);
    }
}

void view__draw_graph(view_app *a) {
    const view_model *m = &a->model;
    const SDL_Rect *g = &a->rects.graph;
    SDL_RenderSetClipRect(a->r, g);
    a->px = xgrow(a->px, &a->cap_px, (size_t)m->n_nodes + 1, sizeof *a->px);
    a->py = xgrow(a->py, &a->cap_py, (size_t)m->n_nodes + 1, sizeof *a->py);
    float *px = a->px, *py = a->py;
    for (int i = 0; i < m->n_nodes; i++) view__app_node_pos(a, i, &px[i], &py[i]);
    graph__links(a, px, py);
    graph__messages(a, px, py);
    graph__nodes(a, px, py);
    graph__labels(a, px, py);
    graph__hover_flight(a);
    graph__captions(a);
    graph__legend(a);
    SDL_RenderSetClipRect(a->r, NULL);
}
