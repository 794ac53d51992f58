/* test_view.c - the window, rendered headless and probed pixel by pixel.
 *
 * Every case draws real frames of shipped scenarios with the software
 * renderer into a plain surface (SDL_VIDEODRIVER=dummy: no display), and
 * drives the app with the same SDL events a user makes (SDL_PushEvent:
 * clicks, typing, keys, a dropped file). Checks read what a person would
 * see: how many node discs there are, which colour each has, the banner's
 * colour, and what the nodes did (their published snapshots).
 *
 * Disc counting knows nothing of the layout: it floods every region of
 * pixels in a tip colour (the palette) inside the graph and counts those
 * big enough to be a disc, so a node missing, doubled or drawn off screen
 * fails it. Set VIEW_TEST_PNG_DIR to keep the frames as PNGs. */
#include <cairo.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <unistd.h>

#include "view_fixture.h"

/* ---- fonts ---- */

static void test_font_default_and_missing(void) {
    char err[256] = "";
    char *path = view__font_find(NULL, err, sizeof err);
    CHECK(path != NULL);
    CHECK(access(path, R_OK) == 0);
    free(path);
    path = view__font_find("/no/such/font.ttf", err, sizeof err);
    CHECK(path == NULL);
    CHECK(strstr(err, "--font /no/such/font.ttf") != NULL);
    /* a file that is not a font is refused with a message, not a crash */
    fxv_sdl();
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, 64, 64, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *r = SDL_CreateSoftwareRenderer(s);
    view_options o = {.font_path = "scenarios/fork-race.json"};
    view_app *a = view__app_new(&o, r, 64, 64, err, sizeof err);
    CHECK(a == NULL);
    CHECK(strstr(err, "not a font") != NULL);
    SDL_DestroyRenderer(r);
    SDL_FreeSurface(s);
}

/* ---- the engine hook the view relies on: arrival times ---- */

static int64_t arrival_sent, arrival_bad, delivered_bad;
static void arrival_sink(void *user, const sim_event *ev) {
    (void)user;
    if (ev->kind == EV_MSG_SENT) {
        arrival_sent++;
        if (ev->arrive_us != ev->t_us + 200000) arrival_bad++; /* fixed 200 ms, no bandwidth cap */
    } else if (ev->kind == EV_MSG_DELIVERED && ev->arrive_us != ev->t_us) {
        delivered_bad++;
    }
}

static void test_sent_events_carry_arrival(void) {
    scenario scn;
    CHECK_INT_EQ(scenario_load(&scn, "scenarios/fork-race.json", NULL, 0), CS_OK);
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    arrival_sent = arrival_bad = delivered_bad = 0;
    sim_add_sink_filtered(s, arrival_sink, NULL,
                          SIM_EVENT_BIT(EV_MSG_SENT) | SIM_EVENT_BIT(EV_MSG_DELIVERED));
    sim_run(s);
    sim_free(s);
    scenario_cleanup(&scn);
    CHECK(arrival_sent > 20);
    CHECK_INT_EQ(arrival_bad, 0);
    CHECK_INT_EQ(delivered_bad, 0);
}

/* The window asks for node threads at a lower priority (sim_desc.node_nice):
 * a sink runs on the thread that emits, so it can read that thread's nice. */
static atomic_int nice_seen = -100;
static void nice_sink(void *user, const sim_event *ev) {
    (void)user;
    (void)ev;
    atomic_store(&nice_seen, getpriority(PRIO_PROCESS, 0));
}

static void test_node_threads_take_node_nice(void) {
    scenario scn;
    CHECK_INT_EQ(scenario_load(&scn, "scenarios/three-nodes.json", NULL, 0), CS_OK);
    char err[256];
    int before = getpriority(PRIO_PROCESS, 0);
    sim *s = sim_new(&(sim_desc){.scn = &scn, .executor = SIM_THREADS, .speed = 1, .live = true,
                                 .node_nice = 7},
                     err, sizeof err);
    CHECK(s != NULL);
    sim_add_sink_filtered(s, nice_sink, NULL, SIM_EVENT_BIT(EV_MINED));
    CHECK_INT_EQ(sim_start(s), CS_OK);
    sim_command(s, 0, node_cmd_new(CMD_MINE));
    for (int i = 0; i < 200 && atomic_load(&nice_seen) == -100; i++) SDL_Delay(10);
    sim_stop(s);
    sim_free(s);
    scenario_cleanup(&scn);
    CHECK_INT_EQ(atomic_load(&nice_seen), before > 7 ? before : 7);
    CHECK_INT_EQ(getpriority(PRIO_PROCESS, 0), before); /* the calling thread keeps its own */
}

/* ---- static frames ---- */

static void test_frame_not_blank(void) {
    fx_view f;
    fxv_open(&f, NULL, SIM_VIRTUAL);
    fxv_at(&f, 30);
    fxv_save(&f, "default-30s");
    int differ = 0, colours = 0;
    Uint32 seen[64];
    SDL_Color bg = view__theme_dark.bg;
    for (int y = 0; y < H; y += 4)
        for (int x = 0; x < W; x += 4) {
            SDL_Color c = fxv_pixel(&f, x, y);
            if (!fxv_near(c, bg)) differ++;
            Uint32 key = (Uint32)c.r << 16 | (Uint32)c.g << 8 | c.b;
            int k = 0;
            while (k < colours && seen[k] != key) k++;
            if (k == colours && colours < 64) seen[colours++] = key;
        }
    fxv_close(&f);
    CHECK(differ > (W / 4) * (H / 4) / 5); /* panels, discs, text: a fifth or more */
    CHECK(colours >= 16);
}

static void disc_count_case(const char *path, double t_s, int want) {
    fx_view f;
    fxv_open(&f, path, SIM_VIRTUAL);
    fxv_at(&f, t_s);
    int found = fxv_count_discs(&f, f.a->rects.graph, 60);
    char name[64];
    snprintf(name, sizeof name, "discs-%d", want);
    fxv_save(&f, name);
    int n = f.a->model.n_nodes;
    fxv_close(&f);
    CHECK_INT_EQ(n, want);
    CHECK_INT_EQ(found, want);
}

static void test_disc_count_three_nodes(void) { disc_count_case("scenarios/three-nodes.json", 2.5, 3); }
static void test_disc_count_fork_race(void) { disc_count_case("scenarios/fork-race.json", 2, 4); }
static void test_disc_count_default(void) { disc_count_case(NULL, 90, 8); }
static void test_disc_count_partition_heal(void) {
    scenario scn;
    CHECK_INT_EQ(scenario_load(&scn, "scenarios/partition-heal.json", NULL, 0), CS_OK);
    int n = scn.n_nodes;
    scenario_cleanup(&scn);
    disc_count_case("scenarios/partition-heal.json", 30, n);
}
static void test_disc_count_busy_network(void) { disc_count_case("scenarios/busy-network.json", 100, 50); }

/* fork-race: at 2 s alice and dave each hold their own block #2 (the race
 * was a tie); by 8 s bob's block #3 has reached everyone. */
static void test_fork_colours_split_then_agree(void) {
    fx_view f;
    fxv_open(&f, "scenarios/fork-race.json", SIM_VIRTUAL);
    fxv_at(&f, 2);
    fxv_save(&f, "fork-race-2s");
    SDL_Color alice = fxv_node_colour(&f, 0), dave = fxv_node_colour(&f, 3);
    SDL_Color bob = fxv_node_colour(&f, 1), carol = fxv_node_colour(&f, 2);
    CHECK(fxv_palette_index(alice) >= 0);
    CHECK(fxv_palette_index(dave) >= 0);
    CHECK(fxv_palette_index(alice) != fxv_palette_index(dave));
    /* bob and carol each took one of the two: both colours are in use */
    CHECK(fxv_near(bob, alice) || fxv_near(bob, dave));
    CHECK(fxv_near(carol, alice) || fxv_near(carol, dave));
    /* the banner is red */
    const SDL_Rect *s = &f.a->rects.side;
    CHECK(fxv_near(fxv_pixel(&f, s->x + 16, s->y + 36), view__theme_dark.bad));
    CHECK_INT_EQ(f.a->model.fork.state, VIEW_FORKED);
    fxv_at(&f, 8);
    fxv_save(&f, "fork-race-8s");
    SDL_Color all[4];
    for (int i = 0; i < 4; i++) all[i] = fxv_node_colour(&f, i);
    CHECK(fxv_palette_index(all[0]) >= 0);
    for (int i = 1; i < 4; i++) CHECK(fxv_near(all[i], all[0]));
    CHECK(fxv_near(fxv_pixel(&f, s->x + 16, s->y + 36), view__theme_dark.good));
    CHECK_INT_EQ(f.a->model.stale, 1);
    CHECK_INT_EQ(f.a->model.forks, 1);
    CHECK_INT_EQ(f.a->model.last_reorg_depth, 1);
    fxv_close(&f);
}

/* The frames, as pixels: dave's tip (#2) is the same at 4.9 s and
 * 5.0 s, and so is his disc, though bob mined #3 in between. Each frame is
 * made fresh, as --screenshot does (the old view picked colours from the
 * tip counts of the frame, so a frame taken in one go recoloured him). */
static void test_fork_colour_stays_with_tip(void) {
    fx_view f;
    fxv_open(&f, "scenarios/fork-race.json", SIM_VIRTUAL);
    fxv_at(&f, 4.9);
    SDL_Color dave = fxv_node_colour(&f, 3), bob = fxv_node_colour(&f, 1);
    CHECK(fxv_palette_index(dave) >= 0);
    CHECK(fxv_palette_index(dave) != fxv_palette_index(bob));
    fxv_close(&f);
    fxv_open(&f, "scenarios/fork-race.json", SIM_VIRTUAL);
    fxv_at(&f, 5.0);
    fxv_save(&f, "fork-race-5s");
    CHECK(fxv_near(fxv_node_colour(&f, 3), dave));
    /* bob's #3 continues the branch he was on: his colour stays too */
    CHECK_INT_EQ(fxv_palette_index(fxv_node_colour(&f, 1)), fxv_palette_index(bob));
    fxv_close(&f);
}

/* alice mined #2 and bob and carol have not asked for it yet: one chain,
 * the block spreading. The banner is not red and bob is alice's colour
 * (dimmed: behind), not a rival's. */
static void test_propagation_is_not_a_split(void) {
    fx_view f;
    fxv_open(&f, "scenarios/three-nodes.json", SIM_VIRTUAL);
    fxv_at(&f, 2.5);
    fxv_save(&f, "three-nodes-propagating");
    const SDL_Rect *s = &f.a->rects.side;
    SDL_Color banner = fxv_pixel(&f, s->x + 16, s->y + 36);
    CHECK(!fxv_near(banner, view__theme_dark.bad));
    CHECK(!fxv_near(banner, view__theme_dark.good));
    int alice = fxv_palette_index(fxv_node_colour(&f, 0));
    CHECK(alice >= 0);
    CHECK_INT_EQ(fxv_palette_index(fxv_node_colour(&f, 1)), alice);
    CHECK_INT_EQ(fxv_palette_index(fxv_node_colour(&f, 2)), alice);
    CHECK(!fxv_near(fxv_node_colour(&f, 1), fxv_node_colour(&f, 0))); /* dimmed */
    fxv_close(&f);
}

/* After partition-heal's heal the west reorganises onto the east's chain:
 * every node ends in the east's colour, not the west's (frames made fresh,
 * as --screenshot does). */
static void test_heal_takes_winner_colour(void) {
    fx_view f;
    fxv_open(&f, "scenarios/partition-heal.json", SIM_VIRTUAL);
    int east = fx_node(&f.a->scn, "east0"), west = fx_node(&f.a->scn, "west0");
    fxv_at(&f, 1200);
    int east_colour = fxv_palette_index(fxv_node_colour(&f, east));
    int west_colour = fxv_palette_index(fxv_node_colour(&f, west));
    fxv_close(&f);
    CHECK(east_colour >= 0 && west_colour >= 0);
    CHECK(east_colour != west_colour);
    fxv_open(&f, "scenarios/partition-heal.json", SIM_VIRTUAL);
    fxv_at(&f, 1300);
    fxv_save(&f, "partition-heal-1300s");
    for (int i = 0; i < f.a->model.n_nodes; i++)
        CHECK_INT_EQ(fxv_palette_index(fxv_node_colour(&f, i)), east_colour);
    fxv_close(&f);
}

/* ---- clicks ---- */

static void test_click_node_then_mine(void) {
    fx_view f;
    fxv_open(&f, "scenarios/three-nodes.json", SIM_VIRTUAL);
    fxv_at(&f, 0.5);
    fxv_click_node(&f, 1);
    CHECK_INT_EQ(f.a->selected, 1);
    fxv_frame(&f, 0);
    int64_t before = fxv_snap(&f, 1).height;
    size_t blocks = f.a->model.n_blocks;
    CHECK(fxv_click_action(&f, ACT_MINE, 0));
    fxv_save(&f, "three-nodes-mined");
    CHECK_INT_EQ(fxv_snap(&f, 1).height, before + 1);
    CHECK_INT_EQ(f.a->model.n_blocks, blocks + 1);
    CHECK_INT_EQ(f.a->model.last_miner, 1);
    CHECK(strstr(f.a->status, "bob mined block #2") != NULL);
    /* the new block is bob's tip: his disc takes its colour, alice keeps hers */
    CHECK(!fxv_near(fxv_node_colour(&f, 1), fxv_node_colour(&f, 0)));
    fxv_close(&f);
}

static void test_text_input_adds_transaction(void) {
    fx_view f;
    fxv_open(&f, "scenarios/three-nodes.json", SIM_VIRTUAL);
    fxv_at(&f, 0.5);
    fxv_click_node(&f, 0);
    CHECK_STR_EQ(f.a->tx_from, "alice"); /* the selected node's name to start with */
    size_t pool = fxv_snap(&f, 0).mempool_size;
    fxv_type("t"); /* T: the transaction form */
    fxv_frame(&f, 0);
    CHECK_INT_EQ(f.a->field, FIELD_TO);
    fxv_type("bob");
    fxv_key(SDLK_TAB);
    fxv_type("7x"); /* the amount takes digits only */
    fxv_frame(&f, 0);
    CHECK_STR_EQ(f.a->tx_to, "bob");
    CHECK_STR_EQ(f.a->tx_amount, "7");
    fxv_key(SDLK_RETURN);
    fxv_frame(&f, 0);
    fxv_frame(&f, 0);
    CHECK_INT_EQ(fxv_snap(&f, 0).mempool_size, pool + 1);
    CHECK(strstr(f.a->tx_result, "accepted: alice -> bob 7") != NULL);
    /* an overspend is refused and the panel says why */
    SDL_Rect amount;
    CHECK(view__ui_rect(&f.a->ui, ACT_FIELD_AMOUNT, 0, &amount));
    fxv_click_at(amount.x + 5, amount.y + 5);
    fxv_key(SDLK_BACKSPACE);
    fxv_type("1000");
    fxv_frame(&f, 0);
    CHECK(fxv_click_action(&f, ACT_TX_SEND, 0));
    fxv_save(&f, "three-nodes-refused");
    CHECK_INT_EQ(fxv_snap(&f, 0).mempool_size, pool + 1);
    CHECK(strstr(f.a->tx_result, "refused") != NULL);
    CHECK(strstr(f.a->tx_result, reject_message(REJ_TX_OVERSPEND)) != NULL);
    fxv_close(&f);
}

/* Pixels of colour c on the circle of radius rad around node i. */
static int fxv_ring_pixels(const fx_view *f, int node_id, float rad, SDL_Color c) {
    float x, y;
    view__app_node_pos(f->a, node_id, &x, &y);
    int hits = 0;
    for (int k = 0; k < 72; k++) {
        double t = k * 3.14159265358979 / 36;
        if (fxv_near(fxv_pixel(f, (int)lround(x + rad * cos(t)), (int)lround(y + rad * sin(t))), c))
            hits++;
    }
    return hits;
}

/* Attackers are marked: a red ring and "name (strategy)" in red; the
 * eclipse victim's only links are its eclipse nodes. */
static void test_attackers_marked(void) {
    fx_view f;
    fxv_open(&f, "scenarios/attacks/eclipse.json", SIM_VIRTUAL);
    fxv_at(&f, 60);
    int victor = fx_node(&f.a->scn, "victor"), e0 = fx_node(&f.a->scn, "e0");
    CHECK_INT_EQ(f.a->model.nodes[e0].strategy, NODE_ECLIPSE);
    CHECK_INT_EQ(f.a->model.nodes[victor].strategy, NODE_HONEST);
    float rad = view__app_node_radius(f.a) + 4;
    CHECK(fxv_ring_pixels(&f, e0, rad, view__theme_dark.bad) > 20);
    CHECK_INT_EQ(fxv_ring_pixels(&f, 0, rad, view__theme_dark.bad), 0);
    int victim_links = 0;
    for (size_t i = 0; i < f.a->model.n_edges; i++) {
        const view_edge *e = &f.a->model.edges[i];
        if (e->a == victor || e->b == victor) {
            victim_links++;
            int other = e->a == victor ? e->b : e->a;
            CHECK_INT_EQ(f.a->model.nodes[other].strategy, NODE_ECLIPSE);
        }
    }
    CHECK_INT_EQ(victim_links, 3);
    fxv_save(&f, "attackers");
    fxv_close(&f);
}

static void test_cut_off_and_crash(void) {
    fx_view f;
    fxv_open(&f, "scenarios/fork-race.json", SIM_VIRTUAL);
    fxv_at(&f, 0.5);
    fxv_click_node(&f, 2);
    CHECK(fxv_click_action(&f, ACT_CUT, 0));
    CHECK(f.a->model.nodes[2].isolated);
    CHECK(view__model_cut(&f.a->model, 1, 2));
    CHECK(!view__model_cut(&f.a->model, 0, 1));
    /* a cut link is drawn dashed red: its middle pixel or one near it */
    float x1, y1, x2, y2;
    view__app_node_pos(f.a, 1, &x1, &y1);
    view__app_node_pos(f.a, 2, &x2, &y2);
    int red = 0;
    for (int k = -6; k <= 6; k++) {
        float t = 0.5f + (float)k * 0.01f;
        if (fxv_near(fxv_pixel(&f, (int)(x1 + (x2 - x1) * t), (int)(y1 + (y2 - y1) * t)),
                     view__theme_dark.link_cut))
            red++;
    }
    CHECK(red > 0);
    CHECK(fxv_click_action(&f, ACT_CUT, 0)); /* reconnect */
    CHECK(!f.a->model.nodes[2].isolated);
    CHECK(fxv_click_action(&f, ACT_CRASH, 0));
    CHECK(f.a->model.nodes[2].crashed);
    CHECK(fxv_snap(&f, 2).crashed);
    CHECK(fxv_near(fxv_node_colour(&f, 2), view__theme_dark.down));
    CHECK_INT_EQ(f.a->model.live, 3);
    CHECK(fxv_click_action(&f, ACT_CRASH, 0)); /* restart */
    CHECK(!fxv_snap(&f, 2).crashed);
    CHECK(fxv_palette_index(fxv_node_colour(&f, 2)) >= 0);
    fxv_close(&f);
}

static void test_hash_power_buttons(void) {
    fx_view f;
    fxv_open(&f, "scenarios/fork-race.json", SIM_VIRTUAL);
    fxv_at(&f, 0.5);
    fxv_click_node(&f, 0);
    double share = fxv_snap(&f, 0).share;
    CHECK(fxv_click_action(&f, ACT_POWER_UP, 0));
    CHECK_DBL_NEAR(fxv_snap(&f, 0).share, share * 2, 1e-9);
    CHECK(fxv_click_action(&f, ACT_POWER_DOWN, 0));
    CHECK(fxv_click_action(&f, ACT_POWER_DOWN, 0));
    CHECK_DBL_NEAR(fxv_snap(&f, 0).share, share / 2, 1e-9);
    CHECK_DBL_NEAR(f.a->model.nodes[0].share, share / 2, 1e-9);
    fxv_close(&f);
}

static void test_click_block_opens_card(void) {
    fx_view f;
    fxv_open(&f, "scenarios/fork-race.json", SIM_VIRTUAL);
    fxv_at(&f, 8);
    int idx = view__model_find(&f.a->model, fx_tip(f.a->sim, 1));
    CHECK(idx > 0);
    CHECK(fxv_click_action(&f, ACT_BLOCK, idx));
    CHECK_INT_EQ(f.a->card, idx);
    fxv_save(&f, "fork-race-card");
    SDL_Rect close;
    CHECK(view__ui_rect(&f.a->ui, ACT_CLOSE_CARD, 0, &close));
    CHECK(fxv_click_action(&f, ACT_CLOSE_CARD, 0));
    CHECK_INT_EQ(f.a->card, -1);
    fxv_close(&f);
}

/* ---- time ---- */

static void test_pause_step_speed(void) {
    fx_view f;
    fxv_open(&f, "scenarios/fork-race.json", SIM_VIRTUAL);
    double speed = f.a->speed;
    CHECK_DBL_NEAR(speed, 10, 1e-9); /* the scenario's own speed */
    fxv_frame(&f, 0);
    fxv_frame(&f, 100000); /* 0.1 s of wall time at x10: 1 s of sim time */
    CHECK_INT_EQ(f.a->now_us, 1000000);
    fxv_key(SDLK_SPACE);
    fxv_frame(&f, 100000);
    CHECK(f.a->paused);
    CHECK_INT_EQ(f.a->now_us, 1000000);
    fxv_type("n"); /* step: exactly one event, wherever it is */
    fxv_frame(&f, 100000);
    int64_t t1 = f.a->now_us;
    CHECK(t1 >= 1000000);
    uint64_t handled = sim_events_handled(f.a->sim);
    fxv_type(".");
    fxv_frame(&f, 100000);
    CHECK_INT_EQ(sim_events_handled(f.a->sim), handled + 1);
    CHECK(f.a->now_us >= t1);
    fxv_type("+");
    fxv_frame(&f, 0);
    CHECK_DBL_NEAR(f.a->speed, speed * 2, 1e-9);
    CHECK(fxv_click_action(&f, ACT_SLOWER, 0));
    CHECK(fxv_click_action(&f, ACT_SLOWER, 0));
    CHECK_DBL_NEAR(f.a->speed, speed / 2, 1e-9);
    CHECK(fxv_click_action(&f, ACT_PAUSE, 0)); /* resume */
    CHECK(!f.a->paused);
    int64_t t2 = f.a->now_us;
    fxv_frame(&f, 200000);
    CHECK_INT_EQ(f.a->now_us, t2 + 1000000); /* 0.2 s at x5 */
    fxv_close(&f);
}

/* ---- tree ---- */

static void test_tree_folds_long_runs(void) {
    char json[4096];
    int len = snprintf(json, sizeof json,
                       "{\"name\": \"long\", \"nodes\": 2, \"topology\": \"mesh\","
                       " \"chain\": {\"difficulty\": 4}, \"events\": [");
    for (int i = 1; i <= 40; i++)
        len += snprintf(json + len, sizeof json - (size_t)len, "%s{\"at\": %d, \"do\": \"mine\", \"node\": 0}",
                        i > 1 ? ", " : "", i);
    snprintf(json + len, sizeof json - (size_t)len, "]}");
    char path[] = "/tmp/test_view_long_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, json, strlen(json)) == (ssize_t)strlen(json));
    close(fd);
    fx_view f;
    fxv_open(&f, path, SIM_VIRTUAL);
    fxv_at(&f, 45);
    fxv_save(&f, "tree-folded");
    const view_model *m = &f.a->model;
    CHECK_INT_EQ(m->max_height, 41);
    /* #1 and #2..#35 folded (plain), the newest six shown, the tip last */
    CHECK(m->n_columns >= 2);
    CHECK(!m->columns[0].folded);
    CHECK(m->columns[1].folded);
    CHECK_INT_EQ(m->columns[1].h_first, 2);
    CHECK_INT_EQ(m->columns[1].h_last, 41 - VIEW_TREE_TAIL);
    CHECK_INT_EQ(m->n_columns, 2 + VIEW_TREE_TAIL);
    CHECK(!m->columns[m->n_columns - 1].folded);
    CHECK_INT_EQ(m->columns[m->n_columns - 1].h_first, 41);
    fxv_close(&f);
    unlink(path);
}

static void test_rejected_block_is_red(void) {
    fx_view f;
    fxv_open(&f, "scenarios/fork-race.json", SIM_VIRTUAL);
    fxv_at(&f, 0.5);
    bstore *st = sim_store(f.a->sim);
    const block *g = bstore_genesis(st);
    /* a block that pays its miner 999 instead of the reward */
    block *bad = bstore_intern(st, cf_seal(2, g->hash_hex, bstore_params(st)->difficulty, 999,
                                           "mallory", NULL, 0));
    fx_deliver_block(f.a->sim, 0, 1, bad);
    fxv_frame(&f, 0);
    fxv_frame(&f, 0);
    int idx = view__model_find(&f.a->model, bad);
    CHECK(idx > 0);
    CHECK(f.a->model.blocks[idx].rejected);
    CHECK_INT_EQ(f.a->model.blocks[idx].reason, REJ_BLK_REWARD);
    SDL_Rect r;
    CHECK(view__ui_rect(&f.a->ui, ACT_BLOCK, idx, &r));
    fxv_save(&f, "rejected");
    CHECK(fxv_near(fxv_pixel(&f, r.x + 4, r.y + r.h / 2), view__theme_dark.bad_fill));
    CHECK_INT_EQ(f.a->model.stale, 0); /* rejected is not stale */
    fxv_close(&f);
}

/* ---- files, help ---- */

static void test_drop_file_opens_it(void) {
    fx_view f;
    fxv_open(&f, "scenarios/fork-race.json", SIM_VIRTUAL);
    fxv_at(&f, 1);
    SDL_Event e = {0};
    e.type = SDL_DROPFILE;
    e.drop.file = SDL_strdup("scenarios/three-nodes.json");
    SDL_PushEvent(&e);
    fxv_frame(&f, 0);
    CHECK_STR_EQ(f.a->scn.name, "three-nodes");
    CHECK_INT_EQ(f.a->model.n_nodes, 3);
    CHECK_INT_EQ(f.a->now_us, 0);
    /* a file that is not a scenario: refused, the current one stays */
    e.drop.file = SDL_strdup("no/such.json");
    SDL_PushEvent(&e);
    fxv_frame(&f, 0);
    CHECK_STR_EQ(f.a->scn.name, "three-nodes");
    CHECK(f.a->status_bad);
    CHECK(strstr(f.a->status, "no/such.json") != NULL);
    /* reload: the same file from the start */
    fxv_at(&f, 3);
    CHECK(f.a->model.n_blocks > 1);
    fxv_type("r");
    fxv_frame(&f, 0);
    CHECK_INT_EQ(f.a->model.n_blocks, 1);
    CHECK_INT_EQ(f.a->now_us, 0);
    fxv_close(&f);
}

static void test_help_overlay(void) {
    fx_view f;
    fxv_open(&f, "scenarios/fork-race.json", SIM_VIRTUAL);
    fxv_at(&f, 1);
    SDL_Color before = fxv_pixel(&f, W / 2, H / 2);
    fxv_type("?");
    fxv_frame(&f, 0);
    CHECK(f.a->help);
    fxv_save(&f, "help");
    CHECK(fxv_near(fxv_pixel(&f, W / 2 - 355, H / 2), view__theme_dark.panel));
    (void)before;
    fxv_key(SDLK_ESCAPE);
    fxv_frame(&f, 0);
    CHECK(!f.a->help);
    fxv_close(&f);
}

/* A PNG read back by cairo (an error surface if it cannot be read: check
 * cairo_surface_status). */
static cairo_surface_t *png_load(const char *path) {
    cairo_surface_t *png = cairo_image_surface_create_from_png(path);
    cairo_surface_flush(png);
    return png;
}

static uint32_t png_pixel(cairo_surface_t *png, int x, int y) {
    const unsigned char *row = cairo_image_surface_get_data(png) + (size_t)y * (size_t)cairo_image_surface_get_stride(png);
    return ((const uint32_t *)row)[x];
}

static void test_screenshot_is_deterministic(void) {
    view_options o = {.scenario_path = "scenarios/fork-race.json", .at_us = 2000000};
    char a[] = "/tmp/test_view_a_XXXXXX", b[] = "/tmp/test_view_b_XXXXXX";
    close(mkstemp(a));
    close(mkstemp(b));
    CHECK_INT_EQ(view_screenshot(&o, a), 0);
    CHECK_INT_EQ(view_screenshot(&o, b), 0);
    cairo_surface_t *x = png_load(a), *y = png_load(b);
    CHECK_INT_EQ(cairo_surface_status(x), CAIRO_STATUS_SUCCESS);
    CHECK_INT_EQ(cairo_surface_status(y), CAIRO_STATUS_SUCCESS);
    CHECK_INT_EQ(cairo_image_surface_get_width(x), 1280);
    CHECK_INT_EQ(cairo_image_surface_get_height(x), 800);
    int stride = cairo_image_surface_get_stride(x);
    bool same = stride == cairo_image_surface_get_stride(y) &&
                memcmp(cairo_image_surface_get_data(x), cairo_image_surface_get_data(y), (size_t)stride * 800) == 0;
    cairo_surface_destroy(x);
    cairo_surface_destroy(y);
    unlink(a);
    unlink(b);
    CHECK(same);
}

/* The saved frame is opaque: every pixel of the PNG has alpha 255 (text
 * blended by SDL's blitter onto an opaque frame used to come out at 254,
 * which viewers show as faint see-through letters), and it is the frame the
 * window draws: fork-race at 2 s, the red banner where test_fork_colours_
 * split_then_agree probes it and its title's letters at the very pixels
 * the fixture's frame has them. */
static void test_screenshot_is_opaque_and_the_frame(void) {
    view_options o = {.scenario_path = "scenarios/fork-race.json", .at_us = 2000000};
    char path[] = "/tmp/test_view_png_XXXXXX";
    close(mkstemp(path));
    CHECK_INT_EQ(view_screenshot(&o, path), 0);
    cairo_surface_t *png = png_load(path);
    CHECK_INT_EQ(cairo_surface_status(png), CAIRO_STATUS_SUCCESS);
    CHECK_INT_EQ(cairo_image_surface_get_width(png), W);
    CHECK_INT_EQ(cairo_image_surface_get_height(png), H);
    bool has_alpha = cairo_image_surface_get_format(png) == CAIRO_FORMAT_ARGB32;
    long translucent = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) translucent += has_alpha && png_pixel(png, x, y) >> 24 != 255;
    CHECK_INT_EQ(translucent, 0);

    fx_view f;
    fxv_open(&f, "scenarios/fork-race.json", SIM_VIRTUAL);
    fxv_at(&f, 2);
    const SDL_Rect *s = &f.a->rects.side;
    uint32_t bad = (uint32_t)view__theme_dark.bad.r << 16 | (uint32_t)view__theme_dark.bad.g << 8 |
                   view__theme_dark.bad.b;
    CHECK_INT_EQ(png_pixel(png, s->x + 16, s->y + 36) & 0xffffff, bad);
    /* the banner: 34 px high, 22 px under the "Consensus" heading */
    long letters = 0, misplaced = 0;
    for (int y = s->y + 22; y < s->y + 56; y++)
        for (int x = s->x; x < s->x + s->w; x++) {
            SDL_Color c = fxv_pixel(&f, x, y);
            uint32_t want = (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b;
            bool letter = want != bad && fxv_near(c, view__theme_dark.text);
            letters += letter;
            misplaced += (png_pixel(png, x, y) & 0xffffff) != want;
        }
    fprintf(stderr, "  %ld letter pixels in the banner, %ld differ from the frame\n", letters, misplaced);
    CHECK(letters > 100);
    CHECK_INT_EQ(misplaced, 0);
    fxv_close(&f);
    cairo_surface_destroy(png);
    unlink(path);
}

/* ---- the threads executor (the live default) ---- */

static void test_threads_click_mine(void) {
    fx_view f;
    fxv_open(&f, "scenarios/three-nodes.json", SIM_THREADS);
    fxv_frame(&f, 0);
    fxv_click_node(&f, 2);
    CHECK_INT_EQ(f.a->selected, 2);
    fxv_frame(&f, 0);
    int64_t before = fxv_snap(&f, 2).height;
    CHECK(fxv_click_action(&f, ACT_MINE, 0));
    /* the command runs on carol's thread; its result comes back through the
     * queue within a few frames */
    for (int i = 0; i < 300 && !strstr(f.a->status, "carol mined"); i++) {
        SDL_Delay(10);
        fxv_frame(&f, 10000);
    }
    CHECK(strstr(f.a->status, "carol mined") != NULL);
    CHECK_INT_EQ(fxv_snap(&f, 2).height, before + 1);
    for (int i = 0; i < 100 && f.a->model.last_miner != 2; i++) {
        SDL_Delay(10);
        fxv_frame(&f, 10000);
    }
    CHECK_INT_EQ(f.a->model.last_miner, 2);
    /* pause stops the clock */
    CHECK(fxv_click_action(&f, ACT_PAUSE, 0));
    CHECK(sim_paused(f.a->sim));
    int64_t t = sim_now_us(f.a->sim);
    SDL_Delay(50);
    CHECK_INT_EQ(sim_now_us(f.a->sim), t);
    /* step: the clock runs until the next event (the scenario's next entry
     * is at a whole second), which pauses it again */
    CHECK(fxv_click_action(&f, ACT_STEP, 0));
    for (int i = 0; i < 300 && !(sim_paused(f.a->sim) && sim_now_us(f.a->sim) > t); i++) SDL_Delay(10);
    CHECK(sim_paused(f.a->sim));
    int64_t stepped = sim_now_us(f.a->sim);
    CHECK(stepped > t);
    CHECK(stepped < t + 1500000 * 10); /* within the next scenario second or so, at x10 */
    SDL_Delay(50);
    CHECK_INT_EQ(sim_now_us(f.a->sim), stepped);
    fxv_close(&f);
}

static const test_case cases[] = {
    TEST(test_font_default_and_missing),
    TEST(test_sent_events_carry_arrival),
    TEST(test_node_threads_take_node_nice),
    TEST(test_frame_not_blank),
    TEST(test_disc_count_three_nodes),
    TEST(test_disc_count_fork_race),
    TEST(test_disc_count_default),
    TEST(test_disc_count_partition_heal),
    TEST(test_disc_count_busy_network),
    TEST(test_fork_colours_split_then_agree),
    TEST(test_fork_colour_stays_with_tip),
    TEST(test_propagation_is_not_a_split),
    TEST(test_heal_takes_winner_colour),
    TEST(test_click_node_then_mine),
    TEST(test_text_input_adds_transaction),
    TEST(test_cut_off_and_crash),
    TEST(test_attackers_marked),
    TEST(test_hash_power_buttons),
    TEST(test_click_block_opens_card),
    TEST(test_pause_step_speed),
    TEST(test_tree_folds_long_runs),
    TEST(test_rejected_block_is_red),
    TEST(test_drop_file_opens_it),
    TEST(test_help_overlay),
    TEST(test_screenshot_is_deterministic),
    TEST(test_screenshot_is_opaque_and_the_frame),
    TEST(test_threads_click_mine),
    {0},
};

int main(int argc, char **argv) { return fxv_main(cases, argc, argv); }
