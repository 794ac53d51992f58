/* app.c - one window's state: the scenario and its sim, commands, geometry,
 * the frame. What the user does arrives through input.c.
 *
 * A frame is: input (view__app_event for each SDL event, input.c), then
 * view__app_update (tell the sim how much wall time passed, take the
 * events the sink gathered, apply them to the model, collect the results
 * of commands), then view__app_draw. Everything here runs on the main
 * thread; nodes are reached only through sim_command / sim_isolate, and
 * their answers come back through `results`, a queue the commands' done
 * callbacks fill from node threads.
 *
 * Executors. The view does not ask which one runs: it sets the sim's speed
 * and pause, tells it each frame how much wall time passed
 * (sim_advance_wall: the virtual executor runs that times the speed, the
 * threads executor (the default) has run by itself), steps it with sim_step
 * and polls sim_finished. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/mbox.h"
#include "util/mem.h"
#include "view/view_int.h"

#define APP_BAR_H 44
#define APP_INSPECT_EVERY_US 400000 /* wall: refresh the selected node's peers and mempool */
#define APP_DROP_SHOW_WALL_US 700000
/* Node threads yield to the window: when 1,000 of them saturate the cores,
 * frames still come (the sim lags, as it would anyway). */
#define APP_NODE_NICE 10

/* What a command's done callback needs: where to queue it, and for whom. */
typedef struct app__cmd_ctx {
    view_cmdq *q;
    int node;
} app__cmd_ctx;

/* ---- results of commands (node threads -> main thread) ---- */

static void app__cmd_done(node_cmd *cmd) {
    app__cmd_ctx *ctx = cmd->user;
    pthread_mutex_lock(&ctx->q->lock);
    ctx->q->items = xgrow(ctx->q->items, &ctx->q->cap, ctx->q->n + 1, sizeof *ctx->q->items);
    ctx->q->items[ctx->q->n++] = cmd;
    pthread_mutex_unlock(&ctx->q->lock);
}

void view__app_send(view_app *a, int node_id, node_cmd *cmd) {
    app__cmd_ctx *ctx = xmalloc(sizeof *ctx);
    *ctx = (app__cmd_ctx){&a->results, node_id};
    cmd->done = app__cmd_done;
    cmd->user = ctx;
    sim_command(a->sim, node_id, cmd);
}

/* Takes the completed commands out of the queue (the caller frees them). */
static node_cmd **app__take_results(view_app *a, size_t *n) {
    pthread_mutex_lock(&a->results.lock);
    node_cmd **items = a->results.items;
    *n = a->results.n;
    a->results.items = NULL;
    a->results.n = a->results.cap = 0;
    pthread_mutex_unlock(&a->results.lock);
    return items;
}

static void app__free_cmd(node_cmd *cmd) {
    free(cmd->user);
    node_cmd_free(cmd);
}

void view__app_set_status(view_app *a, bool bad, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->status, sizeof a->status, fmt, ap);
    va_end(ap);
    a->status_bad = bad;
    a->status_wall_us = a->wall_us;
}

const char *view__app_node_name(const view_app *a, int node_id) {
    return node_id >= 0 && node_id < a->scn.n_nodes ? a->scn.nodes[node_id].name : "?";
}

void view__inspect_clear(view_inspect *in) {
    free(in->peers);
    free(in->txs);
    *in = (view_inspect){.node = -1};
}

static void app__inspect_result(view_app *a, int node_id, node_cmd *cmd) {
    view_inspect *in = &a->inspect;
    free(in->peers);
    free(in->txs);
    int64_t asked = in->wall_us;
    *in = (view_inspect){.node = node_id, .wall_us = asked};
    in->n_peers = cmd->n_peers;
    in->peers = xmalloc((cmd->n_peers + 1) * sizeof *in->peers);
    memcpy(in->peers, cmd->peers, cmd->n_peers * sizeof *in->peers);
    in->total_txs = cmd->n_txs;
    in->n_txs = cmd->n_txs < 6 ? cmd->n_txs : 6;
    in->txs = xmalloc((in->n_txs + 1) * sizeof *in->txs);
    for (size_t i = 0; i < in->n_txs; i++)
        snprintf(in->txs[i], sizeof in->txs[i], "%.14s -> %.14s %" PRId64, cmd->txs[i]->sender,
                 cmd->txs[i]->receiver, cmd->txs[i]->amount);
}

static void app__result(view_app *a, node_cmd *cmd) {
    int id = ((app__cmd_ctx *)cmd->user)->node;
    const char *who = view__app_node_name(a, id);
    if (cmd->kind == CMD_INSPECT) {
        if (a->inspect.node == id || a->selected == id) a->inspect.pending = false;
        if (!cmd->error && a->selected == id) app__inspect_result(a, id, cmd);
        return;
    }
    if (cmd->error) {
        if (cmd->kind == CMD_ADD_TX) {
            snprintf(a->tx_result, sizeof a->tx_result, "not sent: %s", cmd->error);
            a->tx_result_bad = true;
        }
        view__app_set_status(a, true, "%s: %s: %s", who, node_cmd_name(cmd->kind), cmd->error);
        return;
    }
    switch (cmd->kind) {
    case CMD_ADD_TX:
        if (cmd->reason == REJ_NONE) {
            snprintf(a->tx_result, sizeof a->tx_result, "accepted: %s -> %s %" PRId64 " is in %s's mempool",
                     cmd->from, cmd->to, cmd->amount, who);
            a->tx_result_bad = false;
            view__app_set_status(a, false, "%s accepted %s -> %s %" PRId64, who, cmd->from, cmd->to,
                                 cmd->amount);
        } else {
            snprintf(a->tx_result, sizeof a->tx_result, "refused: %s", reject_message(cmd->reason));
            a->tx_result_bad = true;
            view__app_set_status(a, true, "%s refused the transaction: %s", who,
                                 reject_message(cmd->reason));
        }
        break;
    case CMD_MINE:
        if (cmd->block)
            view__app_set_status(a, false, "%s mined block #%" PRId64 " (%.12s...)", who,
                                 cmd->block->index, cmd->block->hash_hex);
        break;
    case CMD_RESOLVE:
        if (cmd->replaced && cmd->block)
            view__app_set_status(a, false, "%s resolved conflicts: adopted a heavier chain, now at #%" PRId64,
                                 who, cmd->block->index);
        else
            view__app_set_status(a, false, "%s resolved conflicts: its chain is the heaviest it knows",
                                 who);
        break;
    case CMD_CRASH: view__app_set_status(a, false, "%s crashed", who); break;
    case CMD_RESTART: view__app_set_status(a, false, "%s restarted", who); break;
    case CMD_SET_HASH_POWER:
        view__app_set_status(a, false, "%s now has %.1f%% of the hash power", who, cmd->share * 100);
        break;
    default: break;
    }
}

static void app__drain_results(view_app *a, bool show) {
    size_t n;
    node_cmd **items = app__take_results(a, &n);
    for (size_t i = 0; i < n; i++) {
        if (show) app__result(a, items[i]);
        app__free_cmd(items[i]);
    }
    free(items);
}

/* ---- the sim ---- */

static void app__teardown(view_app *a) {
    if (!a->sim) return;
    sim_stop(a->sim);
    /* the other faces let go after the run ended, before the sim goes */
    if (a->opt.on_sim_stop) a->opt.on_sim_stop(a->opt.hook_user, a->sim);
    sim_free(a->sim); /* completes (cancels) commands still queued at nodes */
    a->sim = NULL;
    app__drain_results(a, false);
    view__feed_cleanup(&a->feed);
    view__batch_cleanup(&a->batch);
    view__model_cleanup(&a->model);
    view__layout_cleanup(&a->layout);
    view__inspect_clear(&a->inspect);
}

static double app__initial_speed(const view_app *a) {
    double speed = a->opt.speed > 0 ? a->opt.speed : a->scn.speed > 0 ? a->scn.speed : 1;
    return speed * (a->opt.speed_scale > 0 ? a->opt.speed_scale : 1);
}

/* Builds the sim, feed, model and layout of a->scn. */
static bool app__build(view_app *a, char *err, size_t err_len) {
    a->speed = app__initial_speed(a);
    sim_desc desc = {
        .scn = &a->scn,
        .executor = a->executor,
        .seed_set = a->opt.seed_set,
        .seed = a->opt.seed,
        .speed = a->speed,
        .until_us = a->opt.until_us,
        .live = true,
        .node_nice = APP_NODE_NICE,
    };
    a->sim = sim_new(&desc, err, err_len);
    if (!a->sim) return false;
    view__feed_init(&a->feed);
    sim_add_sink_filtered(a->sim, view__feed_sink, &a->feed, view__feed_kinds());
    view__model_init(&a->model, &a->scn, a->sim);
    view__layout_init(&a->layout, &a->model);
    a->tree_fit = view__tree_fit_cols(a);
    view__tree_update(&a->model, -1, a->tree_fit);
    a->inspect = (view_inspect){.node = -1};
    a->now_us = 0;
    a->paused = a->finished = a->started = false;
    a->selected = a->hover = a->card = a->drag_node = -1;
    a->g_zoom = 1;
    a->g_pan_x = a->g_pan_y = 0;
    a->t_zoom = 1;
    a->t_scroll = 0;
    a->t_follow = true;
    a->field = FIELD_NONE;
    a->tx_result[0] = '\0';
    if (a->opt.on_sim_start) a->opt.on_sim_start(a->opt.hook_user, a->sim);
    return true;
}

void view__app_start(view_app *a) {
    if (!a->sim || a->started) return;
    a->started = true;
    if (sim_start(a->sim) != CS_OK) {
        view__app_set_status(a, true, "could not start the node threads");
        a->finished = true;
    }
}

static cs_err app__parse(scenario *out, const char *path, char *err, size_t err_len) {
    if (path) return scenario_load(out, path, err, err_len);
    return scenario_parse(out, "(built-in default)", scenario_default_json,
                          strlen(scenario_default_json), err, err_len);
}

bool view__scenario_check(const char *path, char *err, size_t err_len) {
    scenario scn;
    if (app__parse(&scn, path, err, err_len) != CS_OK) return false;
    scenario_cleanup(&scn);
    return true;
}

void view__app_load(view_app *a, const char *path) {
    char *new_path = path ? xstrdup(path) : NULL;
    scenario next;
    char err[512];
    if (app__parse(&next, new_path, err, sizeof err) != CS_OK) {
        view__app_set_status(a, true, "%s", err);
        free(new_path);
        return;
    }
    bool was_started = a->started;
    app__teardown(a);
    if (a->have_scn) scenario_cleanup(&a->scn);
    a->scn = next;
    a->have_scn = true;
    free(a->scenario_path);
    a->scenario_path = new_path;
    if (!app__build(a, err, sizeof err)) { /* the bar stays, with the reason */
        view__app_set_status(a, true, "%s", err);
        return;
    }
    if (was_started) view__app_start(a);
    view__app_set_status(a, false, "loaded %s", a->scn.name ? a->scn.name : "scenario");
}

/* ---- geometry ---- */

static void app__rects(view_app *a) {
    int w = a->w, h = a->h;
    int side = w >= 1100 ? 390 : w * 34 / 100;
    int tree = (h - APP_BAR_H) * 30 / 100;
    if (tree < 170) tree = 170;
    a->rects.bar = (SDL_Rect){0, 0, w, APP_BAR_H};
    a->rects.side = (SDL_Rect){w - side, APP_BAR_H, side, h - APP_BAR_H};
    a->rects.tree = (SDL_Rect){0, h - tree, w - side, tree};
    a->rects.graph = (SDL_Rect){0, APP_BAR_H, w - side, h - APP_BAR_H - tree};
}

void view__app_resize(view_app *a, int w, int h) {
    a->w = w > 320 ? w : 320;
    a->h = h > 240 ? h : 240;
    app__rects(a);
}

/* room around the nodes: for the caption above and the names and legend below */
#define APP_GRAPH_MARGIN_X 36
#define APP_GRAPH_MARGIN_TOP 44
#define APP_GRAPH_MARGIN_BOTTOM 52

float view__app_node_radius(const view_app *a) {
    const SDL_Rect *g = &a->rects.graph;
    int n = a->model.n_nodes > 0 ? a->model.n_nodes : 1;
    float r = (n > 100 ? 0.22f : 0.33f) * sqrtf((float)g->w * (float)g->h / (float)n);
    r = r < 3 ? 3 : r > 16 ? 16 : r;
    r *= a->g_zoom;
    return r < 2 ? 2 : r > 48 ? 48 : r;
}

void view__app_node_pos(const view_app *a, int node_id, float *x, float *y) {
    const SDL_Rect *g = &a->rects.graph;
    float mx = APP_GRAPH_MARGIN_X, top = APP_GRAPH_MARGIN_TOP, bottom = APP_GRAPH_MARGIN_BOTTOM;
    float cx = (float)g->x + (float)g->w / 2, cy = (float)g->y + (float)g->h / 2;
    float bx = (float)g->x + mx + a->layout.x[node_id] * ((float)g->w - 2 * mx);
    float by = (float)g->y + top + a->layout.y[node_id] * ((float)g->h - top - bottom);
    *x = cx + (bx - cx) * a->g_zoom + a->g_pan_x;
    *y = cy + (by - cy) * a->g_zoom + a->g_pan_y;
}

void view__app_graph_unproject(const view_app *a, float sx, float sy, float *ux, float *uy) {
    const SDL_Rect *g = &a->rects.graph;
    float mx = APP_GRAPH_MARGIN_X, top = APP_GRAPH_MARGIN_TOP, bottom = APP_GRAPH_MARGIN_BOTTOM;
    float cx = (float)g->x + (float)g->w / 2, cy = (float)g->y + (float)g->h / 2;
    float bx = cx + (sx - a->g_pan_x - cx) / a->g_zoom;
    float by = cy + (sy - a->g_pan_y - cy) / a->g_zoom;
    *ux = (bx - (float)g->x - mx) / ((float)g->w - 2 * mx);
    *uy = (by - (float)g->y - top) / ((float)g->h - top - bottom);
}

/* ---- the frame ---- */

void view__app_run_to(view_app *a, int64_t t_us) {
    if (!a->sim) return;
    if (!a->started) view__app_start(a);
    a->finished = sim_run_until(a->sim, t_us);
    a->now_us = sim_now_us(a->sim);
}

static void app__inspect_ask(view_app *a) {
    if (a->selected < 0 || a->finished) return;
    view_inspect *in = &a->inspect;
    if (in->pending) return;
    if (in->node == a->selected && a->wall_us - in->wall_us < APP_INSPECT_EVERY_US) return;
    in->pending = true;
    in->wall_us = a->wall_us;
    in->node = a->selected;
    view__app_send(a, a->selected, node_cmd_new(CMD_INSPECT));
}

void view__app_update(view_app *a, int64_t wall_us) {
    int64_t dt = a->frames ? wall_us - a->wall_us : 0;
    a->wall_us = wall_us;
    a->frames++;
    if (!a->sim) return;
    if (a->started && !a->finished) a->finished = sim_advance_wall(a->sim, dt);
    a->now_us = sim_now_us(a->sim);
    a->paused = sim_paused(a->sim);
    view__feed_take(&a->feed, &a->batch);
    view__model_apply(&a->model, &a->batch);
    int64_t keep = (int64_t)(APP_DROP_SHOW_WALL_US * a->speed);
    view__model_expire(&a->model, a->now_us, keep);
    view__model_tips(&a->model);
    int fit = view__tree_fit_cols(a);
    if (a->model.tree_dirty || fit != a->tree_fit) {
        a->tree_fit = fit;
        view__tree_update(&a->model, a->card, fit);
    }
    app__drain_results(a, true);
    app__inspect_ask(a);
}

void view__app_draw(view_app *a) {
    SDL_Renderer *r = a->r;
    view__ui_begin(&a->ui);
    view__colour(r, a->theme->bg);
    SDL_RenderClear(r);
    if (a->sim) {
        view__draw_graph(a);
        view__draw_tree(a);
        view__draw_side(a);
        if (a->card >= 0 && (size_t)a->card < a->model.n_blocks) view__draw_card(a);
    }
    view__draw_bar(a);
    if (a->help) view__draw_help(a);
    view__text_frame(&a->text);
}

/* ---- lifecycle ---- */

view_app *view__app_new(const view_options *o, SDL_Renderer *r, int w, int h, char *err,
                        size_t err_len) {
    view_app *a = xcalloc(1, sizeof *a);
    a->opt = *o;
    a->r = r;
    a->theme = &view__theme_dark;
    a->executor = o->executor_set ? o->executor : SIM_THREADS;
    a->selected = a->hover = a->card = a->drag_node = -1;
    a->inspect.node = -1;
    pthread_mutex_init(&a->results.lock, NULL);
    view__app_resize(a, w, h);
    char *font = view__font_find(o->font_path, err, err_len);
    if (!font || !view__text_init(&a->text, r, font, err, err_len)) {
        free(font);
        pthread_mutex_destroy(&a->results.lock);
        free(a);
        return NULL;
    }
    free(font);
    view__sprites_init(&a->sprites, r);
    a->scenario_path = o->scenario_path ? xstrdup(o->scenario_path) : NULL;
    if (app__parse(&a->scn, a->scenario_path, err, err_len) != CS_OK) goto fail;
    a->have_scn = true;
    if (!app__build(a, err, err_len)) goto fail;
    return a;
fail:
    view__app_free(a);
    return NULL;
}

void view__app_free(view_app *a) {
    if (!a) return;
    app__teardown(a);
    if (a->have_scn) scenario_cleanup(&a->scn);
    free(a->scenario_path);
    view__text_cleanup(&a->text);
    view__sprites_cleanup(&a->sprites);
    view__ui_cleanup(&a->ui);
    free(a->px);
    free(a->py);
    for (int c = 0; c < VMSG_CLASS_COUNT; c++) free(a->msg_rects[c]);
    free(a->col_x);
    free(a->labels);
    free(a->results.items);
    pthread_mutex_destroy(&a->results.lock);
    free(a);
}
