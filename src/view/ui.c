/* ui.c - what can be clicked.
 *
 * The window is drawn "immediate mode": every frame draws every button and
 * block and records its rectangle here. Input arrives between frames and
 * is matched against the rects of the frame the user saw (the last one
 * drawn), topmost (drawn last) first, so drawing and hit testing cannot
 * disagree about where things are. */
#include <stdlib.h>

#include "util/mem.h"
#include "view/view_int.h"

void view__ui_begin(view_ui *ui) { ui->n_hits = 0; }

void view__ui_add(view_ui *ui, SDL_Rect rect, view_action a, int arg) {
    ui->hits = xgrow(ui->hits, &ui->cap_hits, ui->n_hits + 1, sizeof *ui->hits);
    ui->hits[ui->n_hits++] = (view_hit){rect, a, arg};
}

const view_hit *view__ui_at(const view_ui *ui, int x, int y) {
    SDL_Point p = {x, y};
    for (size_t i = ui->n_hits; i-- > 0;)
        if (SDL_PointInRect(&p, &ui->hits[i].rect)) return &ui->hits[i];
    return NULL;
}

bool view__ui_rect(const view_ui *ui, view_action a, int arg, SDL_Rect *out) {
    for (size_t i = ui->n_hits; i-- > 0;)
        if (ui->hits[i].action == a && ui->hits[i].arg == arg) {
            *out = ui->hits[i].rect;
            return true;
        }
    return false;
}

void view__ui_cleanup(view_ui *ui) {
    free(ui->hits);
    ui->hits = NULL;
    ui->n_hits = ui->cap_hits = 0;
}
