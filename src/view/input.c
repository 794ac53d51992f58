/* input.c - what the user does to the window: clicks, drags, the wheel,
 * keys and typed text, and the actions they stand for.
 *
 * Every way in ends in one action (view_action: a button's, a key's or a
 * shortcut's), so a click and its key do the same; a click is matched
 * against the rects the last frame drew (ui.c). Actions steer the sim (speed,
 * pause, step), send commands to the selected node (app.c's view__app_send;
 * their results come back as the status line), or change what is shown
 * (selection, the block card, zoom and pan). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "view/view_int.h"

#define INPUT_SPEED_MIN 0.01
#define INPUT_SPEED_MAX 100000.0

static bool input__in(const SDL_Rect *r, int x, int y) {
    SDL_Point p = {x, y};
    return SDL_PointInRect(&p, r);
}

/* ---- actions ---- */

static void input__set_paused(view_app *a, bool paused) {
    a->paused = paused;
    sim_set_paused(a->sim, paused);
}

static void input__set_speed(view_app *a, double speed) {
    a->speed = speed < INPUT_SPEED_MIN ? INPUT_SPEED_MIN : speed > INPUT_SPEED_MAX ? INPUT_SPEED_MAX : speed;
    sim_set_speed(a->sim, a->speed);
    view__app_set_status(a, false, "speed x%g", a->speed);
}

static void input__step(view_app *a) {
    if (a->finished) return;
    a->paused = true;
    a->finished = sim_step(a->sim);
    a->now_us = sim_now_us(a->sim);
}

static void input__send_tx(view_app *a) {
    if (a->selected < 0) return;
    char *end;
    long long amount = strtoll(a->tx_amount, &end, 10);
    if (!a->tx_amount[0] || *end || amount <= 0) {
        snprintf(a->tx_result, sizeof a->tx_result, "the amount must be a whole number above 0");
        a->tx_result_bad = true;
        return;
    }
    node_cmd *cmd = node_cmd_new(CMD_ADD_TX);
    cmd->from = xstrdup(a->tx_from);
    cmd->to = xstrdup(a->tx_to);
    cmd->amount = amount;
    snprintf(a->tx_result, sizeof a->tx_result, "sent to %s...", view__app_node_name(a, a->selected));
    a->tx_result_bad = false;
    view__app_send(a, a->selected, cmd);
    a->field = FIELD_NONE;
}

static void input__node_cmd(view_app *a, node_cmd_kind kind) {
    if (a->selected < 0) {
        view__app_set_status(a, true, "select a node first (click it)");
        return;
    }
    view__app_send(a, a->selected, node_cmd_new(kind));
}

static void input__power(view_app *a, bool up) {
    if (a->selected < 0) return;
    double share = a->model.nodes[a->selected].share;
    double floor_share = 1.0 / (a->model.n_nodes > 0 ? a->model.n_nodes : 1);
    if (up) share = share <= 0 ? floor_share / 2 : share * 2;
    else share = share / 2 < 1e-3 ? 0 : share / 2;
    if (share > 1) share = 1;
    node_cmd *cmd = node_cmd_new(CMD_SET_HASH_POWER);
    cmd->share = share;
    view__app_send(a, a->selected, cmd);
}

static void input__select(view_app *a, int node_id) {
    if (node_id == a->selected) return;
    a->selected = node_id;
    a->field = FIELD_NONE;
    a->tx_result[0] = '\0';
    view__inspect_clear(&a->inspect);
    if (node_id >= 0 && !a->tx_from[0]) snprintf(a->tx_from, sizeof a->tx_from, "%s", view__app_node_name(a, node_id));
}

static void input__action(view_app *a, view_action act, int arg) {
    switch (act) {
    case ACT_NONE:
    case ACT_COUNT: break;
    case ACT_PAUSE: input__set_paused(a, !a->paused); break;
    case ACT_STEP: input__step(a); break;
    case ACT_SLOWER: input__set_speed(a, a->speed / 2); break;
    case ACT_FASTER: input__set_speed(a, a->speed * 2); break;
    case ACT_RELOAD: view__app_load(a, a->scenario_path); break;
    case ACT_HELP: a->help = !a->help; break;
    case ACT_FOLLOW: a->t_follow = true; break;
    case ACT_MINE: input__node_cmd(a, CMD_MINE); break;
    case ACT_RESOLVE: input__node_cmd(a, CMD_RESOLVE); break;
    case ACT_CRASH:
        if (a->selected >= 0)
            input__node_cmd(a, a->model.nodes[a->selected].crashed ? CMD_RESTART : CMD_CRASH);
        break;
    case ACT_CUT:
        if (a->selected >= 0) {
            bool cut = !a->model.nodes[a->selected].isolated;
            sim_isolate(a->sim, a->selected, cut);
            view__app_set_status(a, false, "%s %s", view__app_node_name(a, a->selected),
                                 cut ? "is cut off from every peer" : "is reconnected");
        }
        break;
    case ACT_POWER_DOWN: input__power(a, false); break;
    case ACT_POWER_UP: input__power(a, true); break;
    case ACT_TX_SEND: input__send_tx(a); break;
    case ACT_FIELD_FROM: a->field = FIELD_FROM; break;
    case ACT_FIELD_TO: a->field = FIELD_TO; break;
    case ACT_FIELD_AMOUNT: a->field = FIELD_AMOUNT; break;
    case ACT_CLOSE_CARD: a->card = -1; break;
    case ACT_NODE: input__select(a, arg); break;
    case ACT_BLOCK: a->card = arg; break;
    }
}

/* ---- input ---- */

static char *input__field_buf(view_app *a) {
    switch (a->field) {
    case FIELD_FROM: return a->tx_from;
    case FIELD_TO: return a->tx_to;
    case FIELD_AMOUNT: return a->tx_amount;
    case FIELD_NONE: break;
    }
    return NULL;
}

static void input__field_text(view_app *a, const char *text) {
    char *text_buf = input__field_buf(a);
    size_t len = strlen(text_buf), add = 0;
    char kept[sizeof a->tx_from];
    for (const char *p = text; *p && add + 1 < sizeof kept; p++) {
        if (a->field == FIELD_AMOUNT && (*p < '0' || *p > '9')) continue;
        if ((unsigned char)*p < 0x20) continue;
        kept[add++] = *p;
    }
    if (len + add + 1 > VIEW_FIELD_LEN) return; /* whole characters only: a full field takes no more */
    memcpy(text_buf + len, kept, add);
    text_buf[len + add] = '\0';
}

static void input__field_backspace(view_app *a) {
    char *text_buf = input__field_buf(a);
    size_t len = strlen(text_buf);
    while (len > 0 && ((unsigned char)text_buf[len - 1] & 0xc0) == 0x80) len--; /* UTF-8 continuation */
    if (len > 0) len--;
    text_buf[len] = '\0';
}

/* Shortcuts typed as characters (layout independent: '?' is '?' everywhere). */
static void input__shortcut(view_app *a, char c) {
    switch (c) {
    case '?': input__action(a, ACT_HELP, 0); break;
    case '+':
    case '=': input__action(a, ACT_FASTER, 0); break;
    case '-':
    case '_': input__action(a, ACT_SLOWER, 0); break;
    case '.':
    case 'n': input__action(a, ACT_STEP, 0); break;
    case 'r': input__action(a, ACT_RELOAD, 0); break;
    case 'f': input__action(a, ACT_FOLLOW, 0); break;
    case 'm': input__action(a, ACT_MINE, 0); break;
    case 'c': input__action(a, ACT_RESOLVE, 0); break;
    case 'x': input__action(a, ACT_CUT, 0); break;
    case 'k': input__action(a, ACT_CRASH, 0); break;
    case '[': input__action(a, ACT_POWER_DOWN, 0); break;
    case ']': input__action(a, ACT_POWER_UP, 0); break;
    case 't':
        if (a->selected >= 0) a->field = FIELD_TO;
        else view__app_set_status(a, true, "select a node first (click it)");
        break;
    case 'q': a->quit = true; break;
    default: break;
    }
}

static void input__key(view_app *a, const SDL_KeyboardEvent *k) {
    SDL_Keycode sym = k->keysym.sym;
    if (a->field != FIELD_NONE) {
        switch (sym) {
        case SDLK_BACKSPACE: input__field_backspace(a); break;
        case SDLK_TAB:
            a->field = a->field == FIELD_FROM ? FIELD_TO : a->field == FIELD_TO ? FIELD_AMOUNT : FIELD_FROM;
            break;
        case SDLK_RETURN:
        case SDLK_KP_ENTER: input__send_tx(a); break;
        case SDLK_ESCAPE: a->field = FIELD_NONE; break;
        default: break;
        }
        return;
    }
    switch (sym) {
    case SDLK_SPACE: input__action(a, ACT_PAUSE, 0); break;
    case SDLK_ESCAPE:
        if (a->help) a->help = false;
        else if (a->card >= 0) a->card = -1;
        else input__select(a, -1);
        break;
    case SDLK_TAB:
        if (a->model.n_nodes > 0) {
            int dir = (k->keysym.mod & KMOD_SHIFT) ? -1 : 1;
            input__select(a, ((a->selected < 0 ? (dir > 0 ? -1 : 0) : a->selected) + dir +
                            a->model.n_nodes) % a->model.n_nodes);
        }
        break;
    case SDLK_F1: input__action(a, ACT_HELP, 0); break;
    case SDLK_RIGHT:
    case SDLK_END: a->t_follow = true; break;
    case SDLK_LEFT:
    case SDLK_HOME:
        a->t_follow = false;
        a->t_scroll = sym == SDLK_HOME ? 0 : a->t_scroll - 120;
        break;
    default: break;
    }
}

static void input__mouse_down(view_app *a, int x, int y) {
    const view_hit *hit = view__ui_at(&a->ui, x, y);
    a->drag_moved = false;
    a->drag_x = x;
    a->drag_y = y;
    if (hit) {
        bool field = hit->action == ACT_FIELD_FROM || hit->action == ACT_FIELD_TO ||
                     hit->action == ACT_FIELD_AMOUNT;
        if (!field) a->field = FIELD_NONE;
        if (hit->action == ACT_NODE) a->drag_node = hit->arg;
        input__action(a, hit->action, hit->arg);
        return;
    }
    a->field = FIELD_NONE;
    if (input__in(&a->rects.graph, x, y)) a->drag_pan = true;
    else if (input__in(&a->rects.tree, x, y)) a->drag_tree = true;
}

static void input__mouse_motion(view_app *a, const SDL_MouseMotionEvent *m) {
    a->ui.mouse_x = m->x;
    a->ui.mouse_y = m->y;
    if (abs(m->x - a->drag_x) + abs(m->y - a->drag_y) > 3) a->drag_moved = true;
    if (a->drag_node >= 0 && a->drag_moved) {
        float ux, uy;
        view__app_graph_unproject(a, (float)m->x, (float)m->y, &ux, &uy);
        a->layout.x[a->drag_node] = ux;
        a->layout.y[a->drag_node] = uy;
    } else if (a->drag_pan) {
        a->g_pan_x += (float)m->xrel;
        a->g_pan_y += (float)m->yrel;
    } else if (a->drag_tree) {
        a->t_follow = false;
        a->t_scroll -= (float)m->xrel;
    }
    const view_hit *hit = view__ui_at(&a->ui, m->x, m->y);
    a->hover = hit && hit->action == ACT_NODE ? hit->arg : -1;
}

static void input__wheel(view_app *a, const SDL_MouseWheelEvent *w) {
    int x = a->ui.mouse_x, y = a->ui.mouse_y;
    float factor = w->y > 0 ? 1.15f : w->y < 0 ? 1 / 1.15f : 1;
    if (input__in(&a->rects.graph, x, y)) {
        float z = a->g_zoom * factor;
        z = z < 0.3f ? 0.3f : z > 8 ? 8 : z;
        const SDL_Rect *g = &a->rects.graph;
        float cx = (float)g->x + (float)g->w / 2, cy = (float)g->y + (float)g->h / 2;
        /* keep the point under the cursor where it is */
        float px = cx + ((float)x - a->g_pan_x - cx) / a->g_zoom;
        float py = cy + ((float)y - a->g_pan_y - cy) / a->g_zoom;
        a->g_zoom = z;
        a->g_pan_x = (float)x - cx - (px - cx) * z;
        a->g_pan_y = (float)y - cy - (py - cy) * z;
    } else if (input__in(&a->rects.tree, x, y)) {
        float z = a->t_zoom * factor;
        z = z < 0.4f ? 0.4f : z > 3 ? 3 : z;
        float anchor = (float)(x - a->rects.tree.x);
        a->t_scroll = (a->t_scroll + anchor) * z / a->t_zoom - anchor;
        a->t_zoom = z;
    }
}

void view__app_event(view_app *a, const SDL_Event *e) {
    switch (e->type) {
    case SDL_QUIT: a->quit = true; break;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
            view__app_resize(a, e->window.data1, e->window.data2);
        break;
    case SDL_DROPFILE:
        view__app_load(a, e->drop.file);
        SDL_free(e->drop.file);
        break;
    case SDL_MOUSEBUTTONDOWN:
        a->ui.mouse_x = e->button.x;
        a->ui.mouse_y = e->button.y;
        if (e->button.button == SDL_BUTTON_LEFT) input__mouse_down(a, e->button.x, e->button.y);
        break;
    case SDL_MOUSEBUTTONUP:
        if (a->drag_pan && !a->drag_moved) {
            input__select(a, -1);
            a->card = -1;
        }
        a->drag_node = -1;
        a->drag_pan = a->drag_tree = false;
        break;
    case SDL_MOUSEMOTION: input__mouse_motion(a, &e->motion); break;
    case SDL_MOUSEWHEEL: input__wheel(a, &e->wheel); break;
    case SDL_TEXTINPUT:
        if (a->field != FIELD_NONE) input__field_text(a, e->text.text);
        else if (e->text.text[0] && !e->text.text[1]) input__shortcut(a, e->text.text[0]);
        break;
    case SDL_KEYDOWN: input__key(a, &e->key); break;
    default: break;
    }
}
