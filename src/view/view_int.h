/* view_int.h - what the files of src/view share (not exported).
 *
 *   feed.c     the event sink: copies events into a buffer under a lock
 *              (node threads) for the main thread to take each frame
 *   model.c    what the window knows, built from those events: tips, the
 *              block tree, messages in flight, the consensus figures
 *   tree.c     the block tree's shape: main chain, lanes, folded runs
 *   layout.c   where the nodes sit (circle, or force-directed)
 *   text.c     fonts and a cache of rendered strings
 *   draw.c     primitives (discs, boxes, lines) and the colour theme
 *   graph.c    the peer graph      panels.c  bar, meter, node panel, card
 *   tree_draw.c the block tree     ui.c      buttons, fields, hit testing
 *   app.c      one window's state: the sim, input, commands, the frame
 *   run.c      view_main (the window loop) and view_screenshot
 *
 * Threads: only feed.c's sink runs on node threads; everything else runs on
 * the main thread. The model holds block pointers borrowed from the sim's
 * store (valid for the sim's life), so a model never outlives its sim. */
#ifndef CHAINSIM_VIEW_VIEW_INT_H
#define CHAINSIM_VIEW_VIEW_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <SDL.h>
#include <SDL_ttf.h>

#include "scenario/scenario.h"
#include "sim/sim.h"
#include "util/hmap.h"
#include "view/view.h"

/* ------------------------------------------------------------------ feed */

/* A message on a link, as the view draws it. */
typedef enum view_msg_class {
    VMSG_BLOCK,    /* block, blocks, chain: the payloads */
    VMSG_ANNOUNCE, /* inv, getdata, getblocks, getchain of a block */
    VMSG_TX,       /* a transaction, or its announcement */
    VMSG_CLASS_COUNT,
} view_msg_class;

typedef struct view_flight {
    int from, to;
    int64_t sent_us, arrive_us;
    view_msg_class cls;
} view_flight;

/* A copy of an event the view keeps (everything but messages). */
typedef struct view_ev {
    ev_kind kind;
    int64_t t_us;
    int node, peer;
    const block *block, *old_tip;
    int reorg_depth;
    reject reason;
    int strategy;      /* ATTACKER */
    double value;
    char tx_text[48];  /* user transactions: "alice -> bob 5" */
} view_ev;

#define VIEW_FEED_MAX_FLIGHTS 40000 /* per frame, before arrived ones are dropped */
#define VIEW_FEED_HARD_MAX 160000    /* per frame; beyond, messages are not kept */
#define VIEW_FEED_DROP_KEEP_US 60000000 /* a batch forgets drops older than this */

/* What the sink gathered: events, and messages sent and dropped. */
typedef struct view_batch {
    view_ev *evs;
    size_t n_evs, cap_evs;
    view_flight *flights;   /* sent, in order */
    size_t n_flights, cap_flights;
    view_flight *drops;     /* dropped: from, to, when (sent_us) */
    size_t n_drops, cap_drops;
    uint64_t flights_skipped;
    size_t compact_at;      /* flights: drop the arrived ones at this length */
    size_t drops_compact_at;
} view_batch;

typedef struct view_feed {
    pthread_mutex_t lock;   /* guards buf */
    view_batch buf;
    /* threads executor, "step one event": the next event pauses the sim */
    atomic_bool step_armed;
    sim *sim;
} view_feed;

void view__feed_init(view_feed *f, sim *s);
void view__feed_cleanup(view_feed *f);
void view__batch_cleanup(view_batch *b);
/* The event kinds the feed wants (all but deliveries). */
uint32_t view__feed_kinds(void);
/* The sink: sim_add_sink_filtered(s, view__feed_sink, f, view__feed_kinds()). */
void view__feed_sink(void *user, const sim_event *ev);
/* Swaps the feed's buffer with *into (emptied first): the caller gets
 * everything since the last take, and the feed reuses the caller's arrays. */
void view__feed_take(view_feed *f, view_batch *into);

/* ----------------------------------------------------------------- model */

typedef struct view_block {
    const block *b;
    int parent;            /* index into model.blocks, -1 if unknown */
    int64_t height;
    int64_t seen_us;
    int miner;             /* node id, -1 if not mined here */
    int n_children;
    bool rejected;
    reject reason;         /* why, if rejected */
    int rejected_by;
    /* derived by view__tree_update */
    bool main;
    int lane;              /* 0 = main chain, 1.. stale branches */
    int tip_count;         /* live nodes whose tip it is */
    int first_tip_node;    /* one of them (for a chip's name) */
} view_block;

#define VIEW_NOTES 8

typedef struct view_node {
    const block *tip;
    bool crashed, isolated;
    int group;             /* partition group, 0 when healed */
    double share;          /* hash-power share from the events; < 0 = unknown */
    int strategy;          /* node_strategy: NODE_HONEST (0) unless an attacker */
    view_ev notes[VIEW_NOTES]; /* ring of recent events */
    int n_notes;           /* total ever, the ring holds the last VIEW_NOTES */
} view_node;

typedef struct view_tip_group {
    const block *tip;
    int count;
    int first_node;        /* the lowest node id on it */
    int colour;            /* palette index */
} view_tip_group;

typedef struct view_edge {
    int a, b;              /* a < b */
} view_edge;

typedef struct view_tips_point {
    int64_t t_us;
    int distinct;
} view_tips_point;

/* A column of the block tree: one height, or a folded run of heights. */
typedef struct view_column {
    int64_t h_first, h_last;
    bool folded;
} view_column;

#define VIEW_PALETTE 10

typedef struct view_model {
    const scenario *scn;
    int n_nodes;
    view_node *nodes;
    const block *genesis;

    view_block *blocks;    /* in the order first seen */
    size_t n_blocks, cap_blocks;
    hmap by_hash;          /* block hash -> index + 1 */

    view_edge *edges;      /* links (either side registered the other) */
    size_t n_edges, cap_edges;
    uint64_t *edge_set;    /* open addressing: (a << 32 | b) + 1, 0 = empty */
    size_t edge_set_cap;
    bool partitioned;

    view_flight *flights;  /* messages in flight (not yet due) */
    size_t n_flights, cap_flights;
    view_flight *drops;    /* recent drops, shown for a moment */
    size_t n_drops, cap_drops;
    uint64_t flights_skipped;  /* not drawn (too many at once), lately */
    int64_t skipped_us;        /* when that last happened */

    /* tips: live nodes per tip, kept up to date event by event */
    hmap tip_count;        /* block hash -> (intptr) live nodes on it */
    int distinct;
    bool tips_dirty;
    /* groups of live nodes sharing a tip, largest first (view__model_tips) */
    view_tip_group *groups;
    size_t n_groups, cap_groups;
    int live;              /* nodes up */
    hmap colour_of;        /* block hash -> palette index + 1, while a tip */
    view_tips_point *series; /* distinct tips over time */
    size_t n_series, cap_series;
    int64_t split_since_us;    /* -1 if all agree now */
    int64_t last_split_us;     /* when the last split began; -1 = never */
    int64_t last_agree_us;     /* when it last ended */
    int last_reorg_depth;
    int64_t last_reorg_us;     /* -1 = none */
    uint64_t reorgs;
    int last_miner;        /* node that mined the newest block, -1 none */
    int last_block;        /* index of the newest mined block, -1 none */
    const char *last_note; /* the latest scenario note that has happened */
    int64_t last_note_us;
    size_t next_scn_event; /* scenario events passed so far */

    /* derived by view__tree_update */
    bool tree_dirty;
    int best;              /* main chain's tip (index), -1 none */
    uint64_t forks, stale;
    int lanes;             /* lanes in use (1 + stale lanes) */
    view_column *columns;
    size_t n_columns, cap_columns;
    int64_t max_height;
    size_t *col_of_height; /* height -> column (heights 0..max_height) */
    size_t cap_col_of_height;
} view_model;

void view__model_init(view_model *m, const scenario *scn, sim *s);
void view__model_cleanup(view_model *m);
/* Applies what the feed gathered since the last call. */
void view__model_apply(view_model *m, const view_batch *batch);
/* Drops flights that are due and drops older than keep_drops_us; notes the
 * scenario events passed by now. */
void view__model_expire(view_model *m, int64_t now_us, int64_t keep_drops_us);
/* Rebuilds the tip groups and their colours if tips changed. */
void view__model_tips(view_model *m);
/* Index of a block in the model, or -1. */
int view__model_find(const view_model *m, const block *b);
/* Palette index of the block as a tip (-1 if no live node holds it). */
int view__model_colour(const view_model *m, const block *b);
/* Is the link a-b cut (partition or isolation)? */
bool view__model_cut(const view_model *m, int a, int b);
/* The newest notes of a node, newest first: up to max, returns how many. */
int view__model_notes(const view_model *m, int node_id, const view_ev **out, int max);

/* tree.c: main chain, lanes, forks, stale, columns (folding long runs). */
#define VIEW_FOLD_MIN 6        /* fold runs of at least this many plain heights */
#define VIEW_TREE_TAIL 6       /* the newest heights are never folded */
void view__tree_update(view_model *m, int pinned_block);
/* Column of a height (after view__tree_update). */
size_t view__tree_column(const view_model *m, int64_t height);

/* ---------------------------------------------------------------- layout */

typedef struct view_layout {
    int n;
    float *x, *y;          /* unit square [0,1]^2 */
} view_layout;

/* Circle for a few nodes, force-directed for many; deterministic. */
void view__layout_init(view_layout *l, const view_model *m);
void view__layout_cleanup(view_layout *l);

/* ------------------------------------------------------------------ text */

typedef enum view_font_size { VF_SMALL, VF_NORMAL, VF_BIG, VF_MONO, VF_COUNT } view_font_size;

typedef struct view_text_entry view_text_entry;

typedef struct view_text {
    TTF_Font *fonts[VF_COUNT];
    char *path, *mono_path;
    hmap cache;            /* key -> view_text_entry */
    view_text_entry *lru;  /* list of entries, most recent first */
    size_t n_entries;
    SDL_Renderer *r;
    uint64_t frame;
} view_text;

/* Finds the font: `requested` if given, else DejaVu Sans from
 * fonts-dejavu-core, else fontconfig's match for "sans". Returns a new
 * string, or NULL with a message in err. */
char *view__font_find(const char *requested, char *err, size_t err_len);
/* Opens the fonts at `path`; false with a message in err. */
bool view__text_init(view_text *t, SDL_Renderer *r, const char *path, char *err, size_t err_len);
void view__text_cleanup(view_text *t);
/* Draws UTF-8 text with its top-left at (x, y); returns its width. */
int view__text(view_text *t, view_font_size f, SDL_Color c, int x, int y, const char *s);
/* Draws text wrapped at word boundaries to max_w; returns the height used. */
int view__text_wrapped(view_text *t, view_font_size f, SDL_Color c, int x, int y, int max_w,
                       const char *s);
/* Size of the text (without drawing). */
int view__text_width(view_text *t, view_font_size f, const char *s);
int view__text_height(view_text *t, view_font_size f);
/* Ends a frame: drops strings not drawn for a while. */
void view__text_frame(view_text *t);

/* ------------------------------------------------------------------ draw */

typedef struct view_theme {
    SDL_Color bg, panel, panel_edge, text, dim, link, link_cut, accent, good, bad,
        warn, main_fill, main_edge, stale_fill, stale_edge, bad_fill, miner_ring,
        select_ring, msg[VMSG_CLASS_COUNT], drop, down, button, button_hot;
    SDL_Color palette[VIEW_PALETTE];
} view_theme;

extern const view_theme view__theme_dark;

void view__colour(SDL_Renderer *r, SDL_Color c);
void view__fill(SDL_Renderer *r, SDL_Color c, int x, int y, int w, int h);
void view__frame_rect(SDL_Renderer *r, SDL_Color c, int x, int y, int w, int h);
/* A filled disc (r: radius in px) centred at (cx, cy), anti-aliased edge. */
void view__disc(SDL_Renderer *r, SDL_Color c, float cx, float cy, float radius);
/* A ring of the given thickness. */
void view__ring(SDL_Renderer *r, SDL_Color c, float cx, float cy, float radius, float width);
void view__line(SDL_Renderer *r, SDL_Color c, float x0, float y0, float x1, float y1);
void view__dashed(SDL_Renderer *r, SDL_Color c, float x0, float y0, float x1, float y1, float dash);
/* A filled convex polygon (triangle fan). */
void view__poly(SDL_Renderer *r, SDL_Color c, const SDL_FPoint *p, int n);

/* Disc sprites for the graph's nodes, one texture per half-pixel radius. */
#define VIEW_SPRITE_SIZES 128
typedef struct view_sprites {
    SDL_Renderer *r;
    SDL_Texture *disc[VIEW_SPRITE_SIZES];
} view_sprites;

void view__sprites_init(view_sprites *s, SDL_Renderer *r);
void view__sprites_cleanup(view_sprites *s);
/* Same as view__disc, from a cached texture (the centre is exactly c). */
void view__sprite_disc(view_sprites *s, SDL_Color c, float cx, float cy, float radius);

/* -------------------------------------------------------------------- ui */

typedef enum view_action {
    ACT_NONE,
    ACT_PAUSE, ACT_STEP, ACT_SLOWER, ACT_FASTER, ACT_RELOAD, ACT_HELP, ACT_FOLLOW,
    ACT_MINE, ACT_RESOLVE, ACT_CUT, ACT_CRASH, ACT_POWER_DOWN, ACT_POWER_UP,
    ACT_TX_SEND, ACT_FIELD_FROM, ACT_FIELD_TO, ACT_FIELD_AMOUNT, ACT_CLOSE_CARD,
    ACT_NODE,              /* arg: node id */
    ACT_BLOCK,             /* arg: model block index */
    ACT_COUNT,
} view_action;

typedef struct view_hit {
    SDL_Rect rect;
    view_action action;
    int arg;
} view_hit;

typedef struct view_ui {
    view_hit *hits;        /* the last frame's clickable things, in drawing order */
    size_t n_hits, cap_hits;
    int mouse_x, mouse_y;
} view_ui;

/* Starts a frame's list (drawing adds to it; input reads it). */
void view__ui_begin(view_ui *ui);
void view__ui_add(view_ui *ui, SDL_Rect rect, view_action a, int arg);
/* The topmost clickable thing of the last frame under (x, y), or NULL. */
const view_hit *view__ui_at(const view_ui *ui, int x, int y);
/* The last frame's rectangle of an action (tests click it), or false. */
bool view__ui_rect(const view_ui *ui, view_action a, int arg, SDL_Rect *out);
void view__ui_cleanup(view_ui *ui);

/* ------------------------------------------------------------------- app */

typedef struct view_rects {
    SDL_Rect bar, graph, tree, side;
} view_rects;

typedef struct view_cmdq {
    pthread_mutex_t lock;  /* guards items */
    node_cmd **items;      /* completed commands, oldest first */
    size_t n, cap;
} view_cmdq;

typedef struct view_inspect {
    int node;              /* -1: nothing yet */
    int *peers;
    size_t n_peers;
    char (*txs)[48];       /* first mempool entries, as text */
    size_t n_txs, total_txs;
    int64_t wall_us;       /* when asked */
    bool pending;
} view_inspect;

typedef enum view_field { FIELD_NONE, FIELD_FROM, FIELD_TO, FIELD_AMOUNT } view_field;

#define VIEW_FIELD_LEN 40

typedef struct view_app {
    view_options opt;
    char *scenario_path;   /* the file shown (NULL: built-in default) */
    scenario scn;
    bool have_scn;
    sim *sim;
    sim_executor executor;
    bool started, finished;
    atomic_bool run_over;  /* threads: set by the waiter once sim_wait returns */
    pthread_t waiter;
    bool waiter_running;

    view_feed feed;        /* filled by the sink */
    view_batch batch;      /* this frame's share, taken from feed */
    view_model model;
    view_layout layout;
    view_cmdq results;

    double speed;          /* sim seconds per wall second */
    bool paused;
    int64_t vt_us;         /* virtual executor: the view's clock */
    int64_t now_us;        /* sim time of the frame being drawn */
    int64_t wall_us;       /* wall clock of the frame (live) */

    SDL_Renderer *r;
    int w, h;
    view_rects rects;
    view_text text;
    view_sprites sprites;
    view_ui ui;
    const view_theme *theme;

    int selected;          /* node, -1 none */
    int hover;
    int card;              /* model block shown as a card, -1 none */
    bool help;
    /* graph camera: zoom about the graph's centre, pan in pixels */
    float g_zoom, g_pan_x, g_pan_y;
    int drag_node;         /* node being dragged, -1 */
    bool drag_pan, drag_tree, drag_moved;
    int drag_x, drag_y;
    /* tree camera */
    float t_zoom, t_scroll; /* scroll: pixels from the left of the content */
    bool t_follow;          /* keep the newest block in view */

    view_field field;      /* the text field with keyboard focus */
    char tx_from[VIEW_FIELD_LEN], tx_to[VIEW_FIELD_LEN], tx_amount[VIEW_FIELD_LEN];
    char tx_result[256];   /* under the form: accepted / refused and why */
    bool tx_result_bad;
    char status[256];      /* the latest action's outcome */
    bool status_bad;
    int64_t status_wall_us;
    view_inspect inspect;
    /* per-frame scratch, kept between frames: with node threads hammering
     * malloc, a frame that allocates can wait on an arena lock */
    float *px, *py;
    size_t cap_px, cap_py;
    SDL_FRect *msg_rects[VMSG_CLASS_COUNT];
    size_t cap_msg_rects[VMSG_CLASS_COUNT];
    float *col_x;
    size_t cap_col_x;
    bool quit;
    uint64_t frames;
} view_app;

/* Makes an app drawing with r (w x h); loads o->scenario_path (or the
 * default). Returns NULL with a message in err if the scenario or the font
 * cannot be loaded. The sim is built but not started (view__app_start). */
view_app *view__app_new(const view_options *o, SDL_Renderer *r, int w, int h, char *err,
                        size_t err_len);
void view__app_free(view_app *a);
/* True if the scenario (NULL: the default) parses; else a message in err. */
bool view__scenario_check(const char *path, char *err, size_t err_len);
/* Starts the sim (threads: its threads; virtual: the view's clock). */
void view__app_start(view_app *a);
/* Replaces the scenario (NULL path: the default); on failure keeps the
 * current one and shows why. */
void view__app_load(view_app *a, const char *path);
/* One SDL event (input). */
void view__app_event(view_app *a, const SDL_Event *e);
/* Advances (virtual: by dt of wall time x speed), takes the events, and
 * draws the frame. */
void view__app_update(view_app *a, int64_t wall_us);
void view__app_draw(view_app *a);
void view__app_resize(view_app *a, int w, int h);
/* Virtual executor: runs to sim time t (for screenshots and tests). */
void view__app_run_to(view_app *a, int64_t t_us);
/* Screen position of a node's centre and its disc radius. */
void view__app_node_pos(const view_app *a, int node, float *x, float *y);
float view__app_node_radius(const view_app *a);
void view__app_set_status(view_app *a, bool bad, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* run.c: the window's renderer: the GPU's if it has one (vsync), else SDL's
 * software renderer (a GL that rasterises on the CPU is far slower). */
SDL_Renderer *view__window_renderer(SDL_Window *win, bool *vsync);

/* Drawing parts (graph.c, tree_draw.c, panels.c). */
void view__draw_graph(view_app *a);
void view__draw_tree(view_app *a);
void view__draw_bar(view_app *a);
void view__draw_side(view_app *a);
void view__draw_card(view_app *a);
void view__draw_help(view_app *a);
/* A button: draws it and makes it clickable. Returns its width. */
#define VIEW_BUTTON_PAD 9
#define VIEW_BUTTON_H 24
int view__button(view_app *a, int x, int y, const char *label, view_action act, int arg,
                 bool enabled);
/* Short hash for labels: first 8 hex digits. */
void view__short_hash(char *out, size_t len, const block *b);
/* "1.5 s", "2 min 3 s" */
void view__fmt_duration(char *out, size_t len, int64_t us);

#endif
