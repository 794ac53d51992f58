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
 *   app.c      one window's state: the sim, commands, geometry, the frame
 *   input.c    clicks, keys, typed text and the actions they stand for
 *   run.c      view_main (the window loop), view_screenshot, frame PNGs
 *   fork.c     agreement decided on the tree    record.c  --record (GIF)
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

#include "out/forks.h"
#include "out/palette.h"
#include "scenario/scenario.h"
#include "sim/sim.h"
#include "util/duration.h"
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

/* What a message carries, for the hover label (block pointers stay valid
 * for the sim's life; a transaction is named by the start of its id). */
typedef struct view_flight {
    int from, to;
    int64_t sent_us, arrive_us;
    const block *block;    /* the block it is about, or NULL */
    uint8_t cls;           /* view_msg_class */
    uint8_t kind;          /* msg_kind */
    char tx_id[14];        /* a transaction's id (cut), "" if none */
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
} view_feed;

void view__feed_init(view_feed *f);
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

/* What a block is in the tree (view__tree_update). */
typedef enum view_block_state {
    VB_MAIN,       /* an ancestor of the main chain's tip (or that tip) */
    VB_COMPETING,  /* off the main chain, but a live node is on it or it is not buried yet */
    VB_STALE,      /* off the main chain, no live node on it, the main chain is longer */
    VB_REJECTED,   /* some node found it invalid */
} view_block_state;

typedef struct view_block {
    const block *b;
    int parent;            /* index into model.blocks (always below this one), -1 if unknown */
    int64_t height;
    int64_t seen_us;
    int miner;             /* node id, -1 if not mined here */
    int n_children;
    int n_valid_children;  /* children not known to be rejected when seen */
    int colour;            /* palette index: fixed when the block is seen (fork.c) */
    bool rejected;
    reject reason;         /* why, if rejected */
    int rejected_by;
    /* live nodes whose tip it is, kept event by event */
    int tip_nodes;
    int tip_slot;          /* its place in model.tips, -1 if no live node is on it */
    /* a tip's place, set by view__fork_eval: */
    int front;             /*   the branch tip it is on or under (itself at the front) */
    int behind;            /*   blocks between it and front */
    bool behind_fork;      /*   at or below the fork point: on no branch yet */
    uint32_t mark;         /* scratch stamp of fork.c's walks */
    int mark_arg;
    /* derived by view__tree_update */
    bool main;
    view_block_state state;
    int lane;              /* 0 = main chain, 1.. other branches */
    int first_tip_node;    /* the lowest live node id on it (for a chip's name) */
} view_block;

#define VIEW_NOTES 8

typedef struct view_node {
    const block *tip;
    int tip_idx;           /* index of tip in model.blocks */
    bool crashed, isolated;
    int group;             /* partition group, 0 when healed */
    double share;          /* hash-power share from the events; < 0 = unknown */
    int strategy;          /* node_strategy: NODE_HONEST (0) unless an attacker */
    view_ev notes[VIEW_NOTES]; /* ring of recent events */
    int n_notes;           /* total ever, the ring holds the last VIEW_NOTES */
} view_node;

typedef struct view_edge {
    int a, b;              /* a < b */
} view_edge;

/* The number of competing branches from an instant on (1: no fork). */
typedef struct view_branches_point {
    int64_t t_us;
    int branches;
} view_branches_point;

/* A column of the block tree: one height, or a folded run of heights. */
typedef struct view_column {
    int64_t h_first, h_last;
    bool folded;
} view_column;

/* Branch colours: out/palette.h's, shared with the plots. */
#define VIEW_PALETTE PALETTE_BRANCHES

/* ---- fork.c: agreement, decided on the block tree ---- */

typedef enum view_consensus {
    VIEW_AGREED,       /* every live node has the same tip */
    VIEW_PROPAGATING,  /* the tips lie on one chain: the newest block is still spreading */
    VIEW_FORKED,       /* tips on competing branches */
    VIEW_ALL_DOWN,     /* no live node */
} view_consensus;

/* One competing branch of a fork: its newest block and who is on it. */
typedef struct view_branch {
    int tip;               /* model index of the branch's newest tip */
    int nodes;             /* live nodes on it, past the fork point */
} view_branch;

typedef struct view_fork {
    view_consensus state;
    int top;               /* agreed / propagating: the chain's newest tip; forked: the
                            * largest branch's tip */
    int top_nodes;         /* live nodes on top */
    int fork_point;        /* forked: the branches' common ancestor (-1 unknown) */
    view_branch *branches; /* forked: most nodes first (ties: higher, then older) */
    size_t n_branches, cap_branches;
    int behind_fork;       /* forked: live nodes at or below the fork point */
    forks_history hist;    /* forks begun, the open one, the latest and longest that ended */
    uint32_t epoch;        /* stamp of the latest walk (view_block.mark) */
    int *scratch;          /* tips by height */
    size_t cap_scratch;
} view_fork;

typedef struct view_model {
    const scenario *scn;
    int n_nodes;
    view_node *nodes;
    const block *genesis;

    view_block *blocks;    /* in the order first seen, parents before children */
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
    int64_t reopened_us;   /* the last heal or reconnect: older drops on open links go */
    uint64_t flights_skipped;  /* not drawn (too many at once), lately */
    int64_t skipped_us;        /* when that last happened */

    /* tips: the blocks live nodes are on (each once), kept event by event */
    int *tips;
    size_t n_tips, cap_tips;
    bool tips_dirty;       /* first_tip_node needs a refresh */
    bool fork_dirty;       /* view__fork_eval is due */
    int live;              /* nodes up */
    int next_colour;       /* where the search for a new branch's colour starts */
    view_fork fork;
    view_branches_point *series; /* competing branches over time */
    size_t n_series, cap_series;
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
    uint64_t forks, stale, competing; /* fork points; stale and competing blocks */
    int lanes;             /* lanes in use (1 + other lanes) */
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
/* Refreshes each tip's first node if tips changed. */
void view__model_tips(view_model *m);
/* Index of a block in the model, or -1. */
int view__model_find(const view_model *m, const block *b);
/* Is the link a-b cut (partition or isolation)? */
bool view__model_cut(const view_model *m, int a, int b);
/* The newest notes of a node, newest first: up to max, returns how many. */
int view__model_notes(const view_model *m, int node_id, const view_ev **out, int max);

/* fork.c. The colour of a new block (model index i, its parent already
 * counted): its parent's if it is the parent's first valid child, else a
 * new branch's colour, one no live tip's branch has. */
int view__fork_colour(view_model *m, int i, bool first_child);
/* Re-decides agreement (m->fork) from the live tips at time t_us, ending
 * or starting a fork episode; sets each tip's `behind`. */
void view__fork_eval(view_model *m, int64_t t_us);
void view__fork_cleanup(view_fork *f);
/* The banner: title "Fork at #12: 2 branches" / "#23 reached 27 of 50" /
 * "All 8 nodes agree on #12", and its detail line ("6 vs 4 nodes", or "").
 * util/duration.h is the only other thing it uses. */
void view__fork_banner(const view_model *m, char *title, size_t title_len, char *detail,
                       size_t detail_len);
/* The palette index a node is drawn in (-1: crashed): its tip's colour, or,
 * when it is behind on a branch, that branch's colour. */
int view__node_colour(const view_model *m, int node_id);
/* How many blocks a node is behind the newest block of its branch (0: at
 * the front, or crashed). */
int view__node_behind(const view_model *m, int node_id);

/* tree.c: main chain, lanes, states, columns (folding long runs). */
#define VIEW_FOLD_MIN 6        /* fold runs of at least this many plain heights */
#define VIEW_TREE_TAIL 6       /* the newest heights are never folded */
/* fit_cols: the columns that fit on screen (0: no limit); folding grows
 * until every fork point and branch still fits, when it can. */
void view__tree_update(view_model *m, int pinned_block, int fit_cols);
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
        warn, main_fill, main_edge, competing_fill, stale_fill, stale_edge, bad_fill, miner_ring,
        select_ring, msg[VMSG_CLASS_COUNT], drop, down, button, button_hot;
} view_theme;

extern const view_theme view__theme_dark;

/* Branch colour i (0 <= i < VIEW_PALETTE): palette_branch[i], opaque. */
SDL_Color view__branch_colour(int i);

/* c halfway to the background: a node behind on its branch. */
SDL_Color view__dim(const view_theme *th, SDL_Color c);
/* The link colour for a graph of n_links: fainter as they grow many. */
SDL_Color view__link_colour(const view_theme *th, size_t n_links);

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

/* A node's name as placed in the last frame (graph.c). */
typedef struct view_label {
    int node;
    SDL_Rect rect;
} view_label;

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

    view_feed feed;        /* filled by the sink */
    view_batch batch;      /* this frame's share, taken from feed */
    view_model model;
    view_layout layout;
    view_cmdq results;

    double speed;          /* sim seconds per wall second */
    bool paused;
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
    view_label *labels;    /* the names drawn in the last frame and where */
    size_t n_labels, cap_labels;
    int hover_flight;      /* index in model.flights of the message under the mouse, -1 */
    float hover_x, hover_y;
    int tree_fit;          /* the columns the tree was last fitted to */
    int64_t tree_hidden_left;  /* the last height cut off at the tree's left edge, 0 none */
    int64_t tree_hidden_right; /* the first height cut off at its right edge, 0 none */
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
/* Sends cmd to a node; its result comes back to the main thread and shows
 * in the status line (cmd is the sim's after this). */
void view__app_send(view_app *a, int node_id, node_cmd *cmd);
/* The scenario's name of a node ("?" if there is none). */
const char *view__app_node_name(const view_app *a, int node_id);
/* Forgets what the selected node's last inspection said. */
void view__inspect_clear(view_inspect *in);
/* Inverse of view__app_node_pos: unit-square coordinates of a screen point. */
void view__app_graph_unproject(const view_app *a, float sx, float sy, float *ux, float *uy);

/* input.c: one SDL event (clicks, keys, text, the wheel, a dropped file). */
void view__app_event(view_app *a, const SDL_Event *e);

/* run.c: the window's renderer: the GPU's if it has one (vsync), else SDL's
 * software renderer (a GL that rasterises on the CPU is far slower). */
SDL_Renderer *view__window_renderer(SDL_Window *win, bool *vsync);
/* A surface to draw a frame into off screen (--screenshot, --record, the
 * tests): 32-bit xRGB with no alpha channel. A frame is opaque; on a target
 * with alpha, SDL's blitter left it at 254 under blended text. NULL (see
 * SDL_GetError) if there is no memory. */
SDL_Surface *view__frame_surface(int w, int h);
/* Writes a view__frame_surface as an RGB PNG (cairo). False with err. */
bool view__frame_png(SDL_Surface *s, const char *path, char *err, size_t err_len);

/* The colour a node's disc has: its branch's (view__node_colour), dimmed
 * when it is behind, grey when it is down. */
SDL_Color view__node_fill(const view_app *a, int node_id);
/* "carol", "eve (double_spend)", "carol  2 behind": a node's label. */
void view__node_label(const view_app *a, int node_id, char *out, size_t len);
/* What a message carries: "block #12 (3fa2c1d0)  alice -> bob", "inv of
 * block #12 (...)  ...", "tx 7f3a...  bob -> carol". */
void view__flight_text(const view_app *a, const view_flight *f, char *out, size_t len);
/* The tree's columns that fit the tree panel at its zoom. */
int view__tree_fit_cols(const view_app *a);

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
/* The node panel's mempool line: "mempool 4:  a -> b 5;  ..." with the
 * count of the same CMD_INSPECT answer as the list (in NULL or not answered
 * yet: the snapshot's count alone). */
void view__mempool_line(char *out, size_t len, size_t snap_size, const view_inspect *in);
/* One line of the node panel's notes: the event's time, then what it
 * was ("mined block #5", "double spend started", ...). */
void view__note_text(const view_app *a, const view_ev *ev, char *out, size_t len);
/* Short hash for labels: first 8 hex digits. */
void view__short_hash(char *out, size_t len, const block *b);

#endif
