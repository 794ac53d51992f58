/* graph.c - the peer graph: links, messages in flight, nodes.
 *
 * Drawn back to front: links (cut ones dashed red), messages moving from
 * sender to receiver between their send and arrival times (blocks as big
 * orange squares, announcements small and pale, transactions small and
 * green), drops as red crosses where they died, then the nodes, each
 * filled with the colour of its tip (nodes that agree share a colour), the
 * miner of the newest block ringed in gold, the selection in white, a node
 * cut off ringed in red and a crashed one grey with a cross.
 *
 * At 1,000 nodes a frame has ~8,000 links and up to tens of thousands of
 * messages, so those are batched: all links in one line list, messages as
 * one rectangle list per kind. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/mem.h"
#include "view/view_int.h"

#define GRAPH_LABELS_MAX 60 /* more nodes than this: names only on hover/selection */

static void graph__links(view_app *a, const float *px, const float *py) {
    const view_model *m = &a->model;
    SDL_Renderer *r = a->r;
    view__colour(r, a->theme->link);
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
    for (size_t i = 0; i < m->n_flights; i++) {
        const view_flight *f = &m->flights[i];
        double span = (double)(f->arrive_us - f->sent_us);
        double t = span > 0 ? (double)(a->now_us - f->sent_us) / span : 1;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        float x = px[f->from] + (px[f->to] - px[f->from]) * (float)t;
        float y = py[f->from] + (py[f->to] - py[f->from]) * (float)t;
        float s = size[f->cls] * zoom;
        rects[f->cls][n[f->cls]++] = (SDL_FRect){x - s / 2, y - s / 2, s, s};
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
        SDL_Color fill = th->down;
        if (!n->crashed) {
            int c = view__model_colour(m, n->tip);
            fill = c >= 0 ? th->palette[c] : th->dim;
        }
        view__sprite_disc(&a->sprites, fill, x, y, rad);
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
    bool all = m->n_nodes <= GRAPH_LABELS_MAX;
    for (int i = 0; i < m->n_nodes; i++) {
        if (!all && i != a->selected && i != a->hover && i != m->last_miner) continue;
        const char *name = a->scn.nodes[i].name;
        char label[96];
        int strategy = m->nodes[i].strategy;
        if (strategy != NODE_HONEST) { /* attackers say what they are */
            snprintf(label, sizeof label, "%.60s (%s)", name,
                     node_strategy_name((node_strategy)strategy));
            name = label;
        }
        int w = view__text_width(&a->text, VF_SMALL, name);
        SDL_Color c = strategy != NODE_HONEST ? th->bad : i == a->selected ? th->text : th->dim;
        view__text(&a->text, VF_SMALL, c, (int)(px[i] - (float)w / 2), (int)(py[i] + rad + 4), name);
    }
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
    graph__captions(a);
    graph__legend(a);
    SDL_RenderSetClipRect(a->r, NULL);
}
