/* plot.c - the canvas every chart draws on (see plot_int.h), and
 * plot_write_dir.
 *
 * One chart, three files: the chart's function runs once per format onto
 * a fresh cairo surface (an image scaled to 300 dpi, an SVG or a PDF
 * stream into memory), and the bytes are written to DIR/NAME.EXT at the
 * end, so an error names the file and the reason (errno).
 *
 * Text is the one thing drawn differently: for PNG and PDF it is cairo's
 * text (the PDF keeps it as text with a ToUnicode map, so it can be
 * searched and copied); cairo's SVG output would turn it into glyph
 * outlines, so the SVG pass collects each string as a <text> element
 * instead and puts them after cairo's drawing, just before </svg>. Fonts
 * are measured with hinting off, so the layout is the same in every
 * format (and a word placed for the PDF fits in the PNG).
 *
 * Determinism: the PDF's creation date is left out, and cairo's SVG
 * names its surface by a counter that grows per process ("surface7"),
 * which is renamed to "surface1"; nothing else in the files depends on
 * the time or on what the process drew before. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo-ft.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>

#include "out/plot_int.h"
#include "out/csv.h"
#include "util/mem.h"

#define PLOT_DEFAULT_FAMILY "DejaVu Sans"
/* Debian's fonts-dejavu-core, as the window uses (view/text.c) */
#define PLOT_DEJAVU "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define PLOT_DEJAVU_BOLD "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
#define PLOT_TICKS 5          /* about this many ticks per linear axis */
#define PLOT_TICK_LEN_PT 2.5
#define PLOT_KEY_LINE_PT 12.0
#define PLOT_KEY_GAP_PT 7.0

/* ----------------------------------------------------------------- fonts */

static cairo_user_data_key_t plot__ft_key;

static void plot__ft_done(void *face) { FT_Done_Face(face); }

void plot__fonts_cleanup(plot__fonts *f) {
    for (int i = 0; i < 2; i++)
        if (f->face[i]) cairo_font_face_destroy(f->face[i]);
}

/* A font file through FreeType as a cairo face, or NULL with the reason
 * in err. The library lives as long as the process (cairo may keep faces
 * made from it in its cache after we let go). */
static cairo_font_face_t *plot__ft_face(const char *path, char *family, size_t family_len,
                                        char *err, size_t err_len) {
    static FT_Library lib;
    if (!lib && FT_Init_FreeType(&lib) != 0) {
        snprintf(err, err_len, "FreeType could not start");
        return NULL;
    }
    FT_Face face;
    if (FT_New_Face(lib, path, 0, &face) != 0) {
        snprintf(err, err_len, "--font %s: cannot read the file as a font", path);
        return NULL;
    }
    cairo_font_face_t *cf = cairo_ft_font_face_create_for_ft_face(face, 0);
    if (cairo_font_face_set_user_data(cf, &plot__ft_key, face, plot__ft_done) !=
        CAIRO_STATUS_SUCCESS) {
        cairo_font_face_destroy(cf);
        FT_Done_Face(face);
        snprintf(err, err_len, "--font %s: cairo could not use it", path);
        return NULL;
    }
    if (family)
        snprintf(family, family_len, "%s", face->family_name ? face->family_name : "sans-serif");
    return cf;
}

/* The faces: --font's file (bold is the same face: a file holds one
 * weight), else DejaVu Sans and its bold from their files, else the same
 * names through fontconfig. Files first, because they do not depend on
 * what fontconfig is set up to match. */
bool plot__fonts_init(plot__fonts *f, const char *path, char *err, size_t err_len) {
    memset(f, 0, sizeof *f);
    if (path) {
        f->face[PLOT__REGULAR] = plot__ft_face(path, f->family, sizeof f->family, err, err_len);
        if (!f->face[PLOT__REGULAR]) return false;
        f->face[PLOT__BOLD] = cairo_font_face_reference(f->face[PLOT__REGULAR]);
        return true;
    }
    snprintf(f->family, sizeof f->family, "%s", PLOT_DEFAULT_FAMILY);
    if (access(PLOT_DEJAVU, R_OK) == 0 && access(PLOT_DEJAVU_BOLD, R_OK) == 0) {
        f->face[PLOT__REGULAR] = plot__ft_face(PLOT_DEJAVU, NULL, 0, err, err_len);
        f->face[PLOT__BOLD] = plot__ft_face(PLOT_DEJAVU_BOLD, NULL, 0, err, err_len);
        if (f->face[PLOT__REGULAR] && f->face[PLOT__BOLD]) return true;
        plot__fonts_cleanup(f);
    }
    f->face[PLOT__REGULAR] = cairo_toy_font_face_create(
        PLOT_DEFAULT_FAMILY, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    f->face[PLOT__BOLD] = cairo_toy_font_face_create(PLOT_DEFAULT_FAMILY, CAIRO_FONT_SLANT_NORMAL,
                                                     CAIRO_FONT_WEIGHT_BOLD);
    return true;
}


/* ------------------------------------------------------------------ text */

static void plot__set_font(plot__canvas *c, plot__weight wt, double size) {
    cairo_set_font_face(c->cr, c->fonts->face[wt]);
    cairo_set_font_size(c->cr, size);
}

double plot__text_width(plot__canvas *c, plot__weight wt, double size, const char *s) {
    plot__set_font(c, wt, size);
    cairo_text_extents_t ext;
    cairo_text_extents(c->cr, s, &ext);
    return ext.x_advance;
}

double plot__text(plot__canvas *c, plot__weight wt, double size, uint32_t rgb, double x, double y,
                  double anchor, bool vertical, const char *cls, const char *s) {
    double w = plot__text_width(c, wt, size, s);
    if (c->format == PLOT_SVG) {
        buf *b = &c->svg_text;
        buf_printf(b, "<text class=\"%s\" x=\"%.2f\" y=\"%.2f\" font-size=\"%.2f\"", cls, x, y,
                   size);
        if (wt == PLOT__BOLD) buf_puts(b, " font-weight=\"bold\"");
        if (anchor != 0)
            buf_puts(b, anchor >= 1 ? " text-anchor=\"end\"" : " text-anchor=\"middle\"");
        if (rgb != PLOT__INK) buf_printf(b, " fill=\"#%06x\"", rgb);
        if (vertical) buf_printf(b, " transform=\"rotate(-90 %.2f %.2f)\"", x, y);
        buf_putc(b, '>');
        buf_puts_markup(b, s);
        buf_puts(b, "</text>\n");
        return w;
    }
    cairo_t *cr = c->cr;
    cairo_save(cr);
    cairo_translate(cr, x, y);
    if (vertical) cairo_rotate(cr, -acos(0.0)); /* a quarter turn, counter-clockwise */
    cairo_move_to(cr, -anchor * w, 0);
    plot__fill_rgb(c, rgb);
    cairo_show_text(cr, s);
    cairo_new_path(cr);
    cairo_restore(cr);
    return w;
}

/* ------------------------------------------------------------------ pens */

static void plot__source(cairo_t *cr, uint32_t rgb) {
    cairo_set_source_rgb(cr, (rgb >> 16 & 255) / 255.0, (rgb >> 8 & 255) / 255.0,
                         (rgb & 255) / 255.0);
}

void plot__fill_rgb(plot__canvas *c, uint32_t rgb) { plot__source(c->cr, rgb); }

void plot__use_pen(plot__canvas *c, const plot__pen *p) {
    cairo_t *cr = c->cr;
    plot__source(cr, p->rgb);
    cairo_set_line_width(cr, p->width);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_set_line_cap(cr, p->dash == PLOT__DOTTED ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT);
    /* lengths in multiples of the width, so thick and thin lines of one
     * pattern look alike; a dot is a zero-length dash with round caps */
    double w = p->width;
    double dashed[] = {4 * w, 2 * w}, dotted[] = {0, 2.2 * w};
    double dashdot[] = {5 * w, 1.8 * w, 0.8 * w, 1.8 * w};
    switch (p->dash) {
    case PLOT__SOLID: cairo_set_dash(cr, NULL, 0, 0); break;
    case PLOT__DASHED: cairo_set_dash(cr, dashed, 2, 0); break;
    case PLOT__DOTTED: cairo_set_dash(cr, dotted, 2, 0); break;
    case PLOT__DASHDOT: cairo_set_dash(cr, dashdot, 4, 0); break;
    }
}

/* ------------------------------------------------------------------ axes */

static double plot__fx(const plot__axis *a, double v) { return a->log ? log10(v) : v; }

double plot__px(const plot__canvas *c, const plot__axis *x, double v) {
    double lo = plot__fx(x, x->lo), hi = plot__fx(x, x->hi);
    return c->area.x + (plot__fx(x, v) - lo) / (hi - lo) * c->area.w;
}

double plot__py(const plot__canvas *c, const plot__axis *y, double v) {
    double lo = plot__fx(y, y->lo), hi = plot__fx(y, y->hi);
    return c->area.y + c->area.h - (plot__fx(y, v) - lo) / (hi - lo) * c->area.h;
}

static double plot__nice_step(double raw) {
    double mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

double plot__nice_ceil(double max) {
    if (!(max > 0)) return 1;
    double step = plot__nice_step(max / PLOT_TICKS);
    return ceil(max / step - 1e-9) * step;
}

/* The tick values of an axis (at most `cap`); returns how many. Linear:
 * multiples of a nice step inside [lo, hi]. Log: the powers of ten inside,
 * with 2x and 5x between them when fewer than three powers fit. */
static int plot__ticks(const plot__axis *a, double *t, int cap, double *step_out) {
    int n = 0;
    double eps = (a->hi - a->lo) * 1e-9;

    if (!a->log) {
        double step = plot__nice_step((a->hi - a->lo) / PLOT_TICKS);
        *step_out = step;
        for (double k = ceil(a->lo / step - 1e-9); n < cap && k * step <= a->hi + eps; k++)
            t[n++] = k * step;
        return n;
    }
    *step_out = 0;
    int d0 = (int)floor(log10(a->lo) + 1e-9), d1 = (int)floor(log10(a->hi) + 1e-9);
    static const double all[] = {1, 2, 5}, ones[] = {1};
    bool fine = d1 - d0 < 2;
    for (int d = d0; d <= d1; d++)
        for (int j = 0; j < (fine ? 3 : 1); j++) {
            double v = (fine ? all : ones)[j] * pow(10, d);
            if (v >= a->lo * (1 - 1e-9) && v <= a->hi * (1 + 1e-9) && n < cap) t[n++] = v;
        }
    return n;
}

static void plot__tick_label(char *out, size_t len, double v, double step) {
    if (step <= 0) {
        snprintf(out, len, "%g", v); /* log: 0.01, 0.1, 1, 10, 100 */
        return;
    }
    int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    snprintf(out, len, "%.*f", decimals, fabs(v) < step * 1e-6 ? 0.0 : v);
}

void plot__axes(plot__canvas *c, const plot__axis *x, const plot__axis *y) {
    cairo_t *cr = c->cr;
    const plot__rect *a = &c->area;
    double xt[64], yt[64], sx, sy;
    int nx = plot__ticks(x, xt, 64, &sx), ny = plot__ticks(y, yt, 64, &sy);
    if (c->no_x_ticks) nx = 0;
    plot__pen grid = {PLOT__GRID, 0.4, PLOT__SOLID}, axis = {PLOT__AXIS, 0.6, PLOT__SOLID};
    plot__use_pen(c, &grid);
    for (int i = 0; i < nx; i++) {
        double px = plot__px(c, x, xt[i]);
        if (px <= a->x + 0.5 || px >= a->x + a->w - 0.5) continue;
        cairo_move_to(cr, px, a->y);
        cairo_line_to(cr, px, a->y + a->h);
    }
    for (int i = 0; i < ny; i++) {
        double py = plot__py(c, y, yt[i]);
        if (py <= a->y + 0.5 || py >= a->y + a->h - 0.5) continue;
        cairo_move_to(cr, a->x, py);
        cairo_line_to(cr, a->x + a->w, py);
    }
    cairo_stroke(cr);
    plot__use_pen(c, &axis);
    /* the two axis lines as one path: the data's frame, left and bottom */
    cairo_move_to(cr, a->x, a->y);
    cairo_line_to(cr, a->x, a->y + a->h);
    cairo_line_to(cr, a->x + a->w, a->y + a->h);
    cairo_stroke(cr);
    for (int i = 0; i < nx; i++) {
        double px = plot__px(c, x, xt[i]);
        cairo_move_to(cr, px, a->y + a->h);
        cairo_line_to(cr, px, a->y + a->h + PLOT_TICK_LEN_PT);
    }
    for (int i = 0; i < ny; i++) {
        double py = plot__py(c, y, yt[i]);
        cairo_move_to(cr, a->x - PLOT_TICK_LEN_PT, py);
        cairo_line_to(cr, a->x, py);
    }
    cairo_stroke(cr);
    char label[32];
    double base = a->y + a->h + PLOT_TICK_LEN_PT + PLOT__TICK_PT + 0.5;
    for (int i = 0; i < nx; i++) {
        plot__tick_label(label, sizeof label, xt[i], sx);
        plot__text(c, PLOT__REGULAR, PLOT__TICK_PT, PLOT__INK, plot__px(c, x, xt[i]), base, 0.5,
                   false, "tick-x", label);
    }
    for (int i = 0; i < ny; i++) {
        plot__tick_label(label, sizeof label, yt[i], sy);
        plot__text(c, PLOT__REGULAR, PLOT__TICK_PT, PLOT__INK, a->x - PLOT_TICK_LEN_PT - 1.5,
                   plot__py(c, y, yt[i]) + PLOT__TICK_PT * 0.35, 1, false, "tick-y", label);
    }
    if (x->label)
        plot__text(c, PLOT__REGULAR, PLOT__LABEL_PT, PLOT__INK, a->x + a->w / 2,
                   base + PLOT__LABEL_PT + 2, 0.5, false, "label-x", x->label);
    if (y->label)
        plot__text(c, PLOT__REGULAR, PLOT__LABEL_PT, PLOT__INK, PLOT__LABEL_PT + 1.5,
                   a->y + a->h / 2, 0.5, true, "label-y", y->label);
}

/* ---------------------------------------------------------------- legend */

double plot__legend_width(plot__canvas *c, const plot__key *keys, int n) {
    double total = 0;
    for (int i = 0; i < n; i++)
        total += PLOT_KEY_LINE_PT + 2.5 +
                 plot__text_width(c, PLOT__REGULAR, PLOT__LABEL_PT, keys[i].label) +
                 (i + 1 < n ? PLOT_KEY_GAP_PT : 0);
    return total;
}

void plot__legend(plot__canvas *c, const plot__key *keys, int n, double y) {
    cairo_t *cr = c->cr;
    double x = c->area.x + c->area.w - plot__legend_width(c, keys, n);
    double mid = y - PLOT__LABEL_PT * 0.33;
    for (int i = 0; i < n; i++) {
        if (keys[i].box) {
            plot__fill_rgb(c, keys[i].pen.rgb);
            cairo_rectangle(cr, x + PLOT_KEY_LINE_PT / 2 - 3, mid - 3, 6, 6);
            cairo_fill(cr);
        } else {
            plot__use_pen(c, &keys[i].pen);
            cairo_move_to(cr, x, mid);
            cairo_line_to(cr, x + PLOT_KEY_LINE_PT, mid);
            cairo_stroke(cr);
        }
        x += PLOT_KEY_LINE_PT + 2.5;
        x += plot__text(c, PLOT__REGULAR, PLOT__LABEL_PT, PLOT__INK, x, y, 0, false, "legend",
                        keys[i].label) +
             PLOT_KEY_GAP_PT;
    }
}

/* ----------------------------------------------------------- the rest */

void plot__heading(plot__canvas *c, const char *title, const char *subtitle) {
    plot__text(c, PLOT__BOLD, PLOT__TITLE_PT, PLOT__INK, 4, 9.5, 0, false, "title", title);
    if (subtitle)
        plot__text(c, PLOT__REGULAR, PLOT__TICK_PT, PLOT__DIM, 4, 18, 0, false, "subtitle",
                   subtitle);
}

void plot__note(plot__canvas *c, const char *text) {
    plot__text(c, PLOT__REGULAR, PLOT__LABEL_PT + 1, PLOT__DIM, c->area.x + c->area.w / 2,
               c->area.y + c->area.h / 2, 0.5, false, "note", text);
}

void plot__clip_area(plot__canvas *c, double pad) {
    cairo_save(c->cr);
    cairo_rectangle(c->cr, c->area.x - pad, c->area.y - pad, c->area.w + 2 * pad,
                    c->area.h + 2 * pad);
    cairo_clip(c->cr);
}

void plot__unclip(plot__canvas *c) { cairo_restore(c->cr); }

/* ----------------------------------------------------------------- files */

static cairo_status_t plot__sink(void *closure, const unsigned char *data, unsigned int len) {
    buf_append(closure, data, len);
    return CAIRO_STATUS_SUCCESS;
}

/* The SVG as cairo wrote it, with the text put in before </svg> and the
 * surface's per-process number made 1. */
static void plot__svg_finish(buf *svg, const buf *text, const char *family) {
    char *end = NULL;
    for (char *p = strstr(svg->data, "</svg>"); p; p = strstr(p + 1, "</svg>")) end = p;
    buf out;
    buf_init(&out);
    const char *id = strstr(svg->data, "id=\"surface");
    size_t head = end ? (size_t)(end - svg->data) : svg->len;
    if (id && (size_t)(id - svg->data) < head) {
        const char *digits = id + strlen("id=\"surface"), *after = digits;
        while (*after >= '0' && *after <= '9') after++;
        buf_append(&out, svg->data, (size_t)(digits - svg->data));
        buf_putc(&out, '1');
        buf_append(&out, after, head - (size_t)(after - svg->data));
    } else {
        buf_append(&out, svg->data, head);
    }
    buf_printf(&out, "<g font-family=\"%s, sans-serif\" fill=\"#%06x\">\n", family, PLOT__INK);
    buf_append(&out, text->data, text->len);
    buf_puts(&out, "</g>\n</svg>\n");
    buf_cleanup(svg);
    *svg = out;
}

static bool plot__save(const char *dir, const char *name, const char *ext, const buf *b, char *err,
                       size_t err_len) {
    size_t len = strlen(dir) + strlen(name) + strlen(ext) + 3;
    char *path = xmalloc(len);
    snprintf(path, len, "%s/%s.%s", dir, name, ext);
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(b->data, 1, b->len, f) == b->len;
    if (f && fclose(f) != 0) ok = false;
    if (!ok) snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
    free(path);
    return ok;
}

static cairo_surface_t *plot__surface(unsigned format, double w, double h, buf *out) {
    switch (format) {
    case PLOT_PNG:
        return cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(w * PLOT_PNG_DPI / 72),
                                          (int)ceil(h * PLOT_PNG_DPI / 72));
    case PLOT_SVG: return cairo_svg_surface_create_for_stream(plot__sink, out, w, h);
    default: {
        cairo_surface_t *s = cairo_pdf_surface_create_for_stream(plot__sink, out, w, h);
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, ""); /* none */
        return s;
    }
    }
}

bool plot__write_chart(const char *dir, const char *name, double w_pt, double h_pt,
                       plot__draw_fn *draw, const void *data, const plot_options *o,
                       const plot__fonts *fonts, char *err, size_t err_len) {
    static const unsigned formats[3] = {PLOT_PNG, PLOT_SVG, PLOT_PDF};
    static const char *const exts[3] = {"png", "svg", "pdf"};
    bool ok = true;
    for (int k = 0; k < 3 && ok; k++) {
        if (!(o->formats & formats[k])) continue;
        buf out;
        buf_init(&out);
        cairo_surface_t *surf = plot__surface(formats[k], w_pt, h_pt, &out);
        cairo_t *cr = cairo_create(surf);
        if (formats[k] == PLOT_PNG) cairo_scale(cr, PLOT_PNG_DPI / 72, PLOT_PNG_DPI / 72);
        cairo_font_options_t *fo = cairo_font_options_create();
        cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
        cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
        cairo_set_font_options(cr, fo);
        cairo_font_options_destroy(fo);
        plot__canvas c = {.cr = cr, .format = formats[k], .w = w_pt, .h = h_pt, .fonts = fonts};
        buf_init(&c.svg_text);
        plot__fill_rgb(&c, PLOT__PAPER);
        cairo_paint(cr);
        draw(&c, data);
        cairo_status_t st = cairo_status(cr);
        cairo_destroy(cr);
        if (st == CAIRO_STATUS_SUCCESS && formats[k] == PLOT_PNG)
            st = cairo_surface_write_to_png_stream(surf, plot__sink, &out);
        cairo_surface_finish(surf);
        if (st == CAIRO_STATUS_SUCCESS) st = cairo_surface_status(surf);
        cairo_surface_destroy(surf);
        if (st != CAIRO_STATUS_SUCCESS) {
            snprintf(err, err_len, "cannot draw %s.%s: %s", name, exts[k],
                     cairo_status_to_string(st));
            ok = false;
        } else {
            if (formats[k] == PLOT_SVG) plot__svg_finish(&out, &c.svg_text, fonts->family);
            ok = plot__save(dir, name, exts[k], &out, err, err_len);
        }
        buf_cleanup(&c.svg_text);
        buf_cleanup(&out);
    }
    return ok;
}

/* ----------------------------------------------------------------- entry */

bool plot_parse_formats(const char *list, unsigned *formats, char *err, size_t err_len) {
    unsigned got = 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == 3 && strncmp(p, "png", 3) == 0) got |= PLOT_PNG;
        else if (n == 3 && strncmp(p, "svg", 3) == 0) got |= PLOT_SVG;
        else if (n == 3 && strncmp(p, "pdf", 3) == 0) got |= PLOT_PDF;
        else {
            snprintf(err, err_len, "expected png, svg or pdf (comma-separated), got '%.*s'",
                     (int)n, p);
            return false;
        }
        p += n;
        if (*p == ',') p++;
    }
    if (!got) {
        snprintf(err, err_len, "expected png, svg or pdf (comma-separated), got '%s'", list);
        return false;
    }
    *formats = got;
    return true;
}

bool plot_write_dir(const char *dir, sim *s, const metrics *m, const plot_options *o, char *err,
                    size_t err_len) {
    plot_options opt = o ? *o : (plot_options){0};
    if (!opt.formats) opt.formats = PLOT_ALL_FORMATS;
    if (!csv_mkdirs(dir, err, err_len)) return false;
    plot__fonts fonts;
    if (!plot__fonts_init(&fonts, opt.font_path, err, err_len)) return false;
    bool ok = plot__cdf_write(dir, s, m, &opt, &fonts, err, err_len) &&
              plot__over_time_write(dir, s, m, &opt, &fonts, err, err_len) &&
              plot__tree_write(dir, s, m, &opt, &fonts, err, err_len);
    plot__fonts_cleanup(&fonts);
    return ok;
}
