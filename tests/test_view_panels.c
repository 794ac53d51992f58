/* test_view_panels.c - the window's panels and labels, drawn headless:
 * the node panel's buttons stay put while its lists grow, its counts match
 * its lists; names cover no disc and no other name; the message under the
 * mouse says what it carries; the tree marks what it cuts off at its
 * edges; links fade when they are many. */
#include "view_fixture.h"

/* Clicks Send n times (one transaction each) and lets the panel ask the
 * node for its mempool again (paused: the sim does not move). */
static void send_txs(fx_view *f, int n) {
    for (int i = 0; i < n; i++) CHECK(fxv_click_action(f, ACT_TX_SEND, 0));
    for (int i = 0; i < 4; i++) fxv_frame(f, 500000); /* past the inspect interval */
}

static void test_panel_buttons_stay_put(void) {
    fx_view f;
    fxv_open(&f, "scenarios/three-nodes.json", SIM_VIRTUAL);
    fxv_at(&f, 0.5);
    fxv_key(SDLK_SPACE);
    fxv_frame(&f, 0);
    CHECK(f.a->paused);
    fxv_click_node(&f, 0);
    fxv_type("t");
    fxv_type("bob");
    fxv_key(SDLK_TAB);
    fxv_type("1");
    fxv_frame(&f, 0);
    fxv_frame(&f, 0);
    static const view_action acts[] = {ACT_MINE, ACT_RESOLVE, ACT_CUT, ACT_CRASH, ACT_TX_SEND,
                                       ACT_POWER_UP, ACT_FIELD_AMOUNT};
    enum { N_ACTS = sizeof acts / sizeof acts[0] };
    SDL_Rect before[N_ACTS], after;
    for (int k = 0; k < N_ACTS; k++) CHECK(view__ui_rect(&f.a->ui, acts[k], 0, &before[k]));
    send_txs(&f, 8);
    CHECK_INT_EQ(fxv_snap(&f, 0).mempool_size, 8);
    /* the panel now lists six of the eight, over several lines */
    CHECK_INT_EQ(f.a->inspect.total_txs, 8);
    char line[320];
    view__mempool_line(line, sizeof line, fxv_snap(&f, 0).mempool_size, &f.a->inspect);
    CHECK(strncmp(line, "mempool 8:  alice -> bob 1;  ", 29) == 0);
    CHECK(strstr(line, "(+2 more)") != NULL);
    CHECK(view__text_width(&f.a->text, VF_SMALL, line) > f.a->rects.side.w); /* it wraps */
    fxv_save(&f, "panel-mempool");
    for (int k = 0; k < N_ACTS; k++) {
        CHECK(view__ui_rect(&f.a->ui, acts[k], 0, &after));
        CHECK_INT_EQ(after.x, before[k].x);
        CHECK_INT_EQ(after.y, before[k].y);
    }
    fxv_close(&f);
}

/* The count comes from the same answer as the list: a snapshot older than
 * the answer cannot make it say "mempool 1:" over four entries. */
static void test_mempool_count_matches_list(void) {
    char txs[4][48] = {"a -> b 1", "a -> b 2", "a -> b 3", "a -> b 4"};
    view_inspect in = {.node = 0, .txs = txs, .n_txs = 4, .total_txs = 4};
    char line[320];
    view__mempool_line(line, sizeof line, 1, &in);
    CHECK_STR_EQ(line, "mempool 4:  a -> b 1;  a -> b 2;  a -> b 3;  a -> b 4");
    in.n_txs = 2;
    in.total_txs = 9;
    view__mempool_line(line, sizeof line, 1, &in);
    CHECK_STR_EQ(line, "mempool 9:  a -> b 1;  a -> b 2  (+7 more)");
    view__mempool_line(line, sizeof line, 3, NULL); /* not asked yet */
    CHECK_STR_EQ(line, "mempool 3");
}

/* A node's notes say what a double-spend round did: started (value 2, new
 * with repeated rounds), released, given up, no funds. */
static void test_double_spend_notes(void) {
    fx_view f;
    fxv_open(&f, "scenarios/three-nodes.json", SIM_VIRTUAL);
    static const struct { double value; const char *text; } want[] = {
        {2, "double spend started"}, {1, "double spend released"},
        {0, "double spend given up"}, {-1, "double spend without funds"}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        view_ev ev = {.kind = EV_ATTACK, .t_us = 0, .node = 0, .peer = -1,
                      .strategy = NODE_DOUBLE_SPEND, .value = want[i].value};
        char line[128];
        view__note_text(f.a, &ev, line, sizeof line);
        const char *text = strstr(line, "double spend");
        CHECK_STR_EQ(text ? text : line, want[i].text);
    }
    fxv_close(&f);
}

static bool rect_near_disc(SDL_Rect r, float cx, float cy, float rad) {
    float x = cx < r.x ? (float)r.x : cx > r.x + r.w ? (float)(r.x + r.w) : cx;
    float y = cy < r.y ? (float)r.y : cy > r.y + r.h ? (float)(r.y + r.h) : cy;
    return (x - cx) * (x - cx) + (y - cy) * (y - cy) < rad * rad;
}

/* 50 nodes: no name covers another node's disc or another name, most nodes
 * are named, and the node under the mouse always is. */
static void test_labels_do_not_cover_discs(void) {
    fx_view f;
    fxv_open(&f, "scenarios/busy-network.json", SIM_VIRTUAL);
    fxv_at(&f, 100);
    fxv_save(&f, "labels-50");
    const view_app *a = f.a;
    int n = a->model.n_nodes;
    float rad = view__app_node_radius(a);
    CHECK(a->n_labels >= (size_t)n * 2 / 3);
    for (size_t i = 0; i < a->n_labels; i++) {
        const view_label *l = &a->labels[i];
        for (int k = 0; k < n; k++) {
            if (k == l->node) continue;
            float x, y;
            view__app_node_pos(a, k, &x, &y);
            CHECK(!rect_near_disc(l->rect, x, y, rad));
        }
        for (size_t j = i + 1; j < a->n_labels; j++) CHECK(!SDL_HasIntersection(&l->rect, &a->labels[j].rect));
    }
    /* a node left unnamed gets its name on hover */
    int unnamed = -1;
    for (int k = 0; k < n && unnamed < 0; k++) {
        bool named = false;
        for (size_t i = 0; i < a->n_labels; i++) named |= a->labels[i].node == k;
        if (!named) unnamed = k;
    }
    if (unnamed >= 0) {
        float x, y;
        view__app_node_pos(a, unnamed, &x, &y);
        SDL_Event e = {0};
        e.type = SDL_MOUSEMOTION;
        e.motion.x = (int)x;
        e.motion.y = (int)y;
        SDL_PushEvent(&e);
        fxv_frame(&f, 0);
        fxv_frame(&f, 0);
        CHECK_INT_EQ(f.a->hover, unnamed);
        bool named = false;
        for (size_t i = 0; i < f.a->n_labels; i++) named |= f.a->labels[i].node == unnamed;
        CHECK(named);
    }
    fxv_close(&f);
}

/* fork-race at 1.1 s: the two #2 blocks are announced on every link.
 * Hovering a message says which block it is about, from whom to whom. */
static void test_hover_message_says_what_it_carries(void) {
    fx_view f;
    fxv_open(&f, "scenarios/fork-race.json", SIM_VIRTUAL);
    fxv_at(&f, 1.1);
    const view_model *m = &f.a->model;
    int pick = -1;
    for (size_t i = 0; i < m->n_flights && pick < 0; i++)
        if (m->flights[i].block) pick = (int)i;
    CHECK(pick >= 0);
    view_flight fl = m->flights[pick];
    float x0, y0, x1, y1;
    view__app_node_pos(f.a, fl.from, &x0, &y0);
    view__app_node_pos(f.a, fl.to, &x1, &y1);
    double t = (double)(f.a->now_us - fl.sent_us) / (double)(fl.arrive_us - fl.sent_us);
    SDL_Event e = {0};
    e.type = SDL_MOUSEMOTION;
    e.motion.x = (int)lround(x0 + (x1 - x0) * t);
    e.motion.y = (int)lround(y0 + (y1 - y0) * t);
    SDL_PushEvent(&e);
    fxv_frame(&f, 0);
    fxv_frame(&f, 0);
    fxv_save(&f, "hover-message");
    CHECK(f.a->hover_flight >= 0);
    char text[160], want[64];
    view__flight_text(f.a, &m->flights[f.a->hover_flight], text, sizeof text);
    snprintf(want, sizeof want, "block #2 (%.8s)", m->flights[f.a->hover_flight].block->hash_hex);
    CHECK(strstr(text, want) != NULL);
    CHECK(strstr(text, " -> ") != NULL);
    fxv_close(&f);
}

/* A tree too wide for the panel: many fork points, none foldable. The
 * tree keeps the newest in view and marks the heights cut off at the left;
 * panned to the start, it marks the right. */
static void test_tree_marks_what_is_off_screen(void) {
    fx_view f;
    fxv_open(&f, "scenarios/fork-race.json", SIM_VIRTUAL);
    fxv_at(&f, 0.5);
    bstore *st = sim_store(f.a->sim);
    const block *parent = f.a->model.genesis;
    for (int h = 0; h < 24; h++) { /* alice learns of two blocks at every height */
        block *a = fx_seal(st, parent, "alice", bstore_params(st)->difficulty, NULL, 0);
        block *b = fx_seal(st, parent, "bob", bstore_params(st)->difficulty, NULL, 0);
        fx_deliver_block(f.a->sim, 0, 1, a);
        fx_deliver_block(f.a->sim, 0, 1, b);
        parent = a;
    }
    fxv_frame(&f, 0);
    fxv_frame(&f, 0);
    fxv_save(&f, "tree-edges");
    const view_model *m = &f.a->model;
    CHECK_INT_EQ(m->max_height, 25);
    CHECK_INT_EQ(m->forks, 24);
    CHECK(f.a->tree_hidden_left > 1);
    CHECK_INT_EQ(f.a->tree_hidden_right, 0);
    /* the newest column is on screen */
    SDL_Rect r;
    int newest = view__model_find(m, fx_tip(f.a->sim, 0));
    CHECK(view__ui_rect(&f.a->ui, ACT_BLOCK, newest, &r));
    fxv_key(SDLK_HOME);
    fxv_frame(&f, 0);
    fxv_frame(&f, 0);
    CHECK_INT_EQ(f.a->tree_hidden_left, 0);
    CHECK(f.a->tree_hidden_right > 1);
    CHECK(!view__ui_rect(&f.a->ui, ACT_BLOCK, newest, &r));
    fxv_close(&f);
}

/* How far a colour is from the background (the sum of channel gaps). */
static int from_bg(SDL_Color c) {
    SDL_Color bg = view__theme_dark.bg;
    return abs(c.r - bg.r) + abs(c.g - bg.g) + abs(c.b - bg.b);
}

static void test_links_fade_when_many(void) {
    const view_theme *th = &view__theme_dark;
    CHECK(fxv_near(view__link_colour(th, 20), th->link));
    CHECK(from_bg(view__link_colour(th, 200)) < from_bg(th->link));
    CHECK(from_bg(view__link_colour(th, 8000)) < from_bg(view__link_colour(th, 200)));
    CHECK(from_bg(view__link_colour(th, 100000)) > 0); /* faint, never gone */
}

static const test_case cases[] = {
    TEST(test_panel_buttons_stay_put),
    TEST(test_mempool_count_matches_list),
    TEST(test_double_spend_notes),
    TEST(test_labels_do_not_cover_discs),
    TEST(test_hover_message_says_what_it_carries),
    TEST(test_tree_marks_what_is_off_screen),
    TEST(test_links_fade_when_many),
    {0},
};

int main(int argc, char **argv) { return fxv_main(cases, argc, argv); }
