/* sweep_table.c - a sweep's rows as people and programs read them: the
 * aligned table on stdout (and the means over seeds), sweep.csv and the
 * JSON rows. Everything here reads finished rows in run order, so the bytes
 * do not depend on the number of workers. */
#include "sweep/sweep_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "out/csv.h"
#include "util/mem.h"

/* ---- output ------------------------------------------------------------ */

/* For people: integers as integers, else 6 significant digits. */
static void sweep__fmt_short(char *out, size_t len, double v) {
    if (v == 0) snprintf(out, len, "0");
    else if (isfinite(v) && v == floor(v) && fabs(v) < 1e15) snprintf(out, len, "%.0f", v);
    else snprintf(out, len, "%.6g", v);
}

/* A table of cells, printed with columns right-aligned to their widest
 * cell, two spaces apart; the last column is left-aligned (no trailing
 * blanks). */
typedef struct sweep__table {
    size_t n_cols, n_cells, cap_cells;
    char **cells;
} sweep__table;

static void sweep__cell(sweep__table *t, const char *s) {
    t->cells = xgrow(t->cells, &t->cap_cells, t->n_cells + 1, sizeof *t->cells);
    t->cells[t->n_cells++] = xstrdup(s);
}

static void sweep__table_print(FILE *out, sweep__table *t) {
    size_t *w = xcalloc(t->n_cols, sizeof *w);
    for (size_t i = 0; i < t->n_cells; i++) {
        size_t l = strlen(t->cells[i]);
        if (l > w[i % t->n_cols]) w[i % t->n_cols] = l;
    }
    for (size_t i = 0; i < t->n_cells; i++) {
        size_t col = i % t->n_cols;
        if (col + 1 < t->n_cols) fprintf(out, "%*s  ", (int)w[col], t->cells[i]);
        else fprintf(out, "%s\n", t->cells[i]);
        free(t->cells[i]);
    }
    free(t->cells);
    free(w);
    t->cells = NULL;
    t->n_cells = t->cap_cells = 0;
}

static void sweep__header(sweep__table *t, const sweep_plan *p, const char *seed_col) {
    t->n_cols = 1 + p->n_axes + 1 + p->n_columns + 1;
    sweep__cell(t, "point");
    for (size_t a = 0; a < p->n_axes; a++) sweep__cell(t, p->axes[a].path);
    sweep__cell(t, seed_col);
    for (size_t c = 0; c < p->n_columns; c++) sweep__cell(t, sweep_metric_name(p->columns[c]));
    sweep__cell(t, "expect");
}

static void sweep__point_cells(sweep__table *t, const sweep_plan *p, size_t point, size_t *idx) {
    char text[64];
    snprintf(text, sizeof text, "%zu", point + 1);
    sweep__cell(t, text);
    sweep_point_indices(p, point, idx);
    for (size_t a = 0; a < p->n_axes; a++) {
        char *v = sweep__value_text(sweep__value(p, a, idx[a]));
        sweep__cell(t, v);
        free(v);
    }
}

/* "ok 3/3", "FAIL 2/3", "-" (no rules) or "error". */
static void sweep__verdict(char *out, size_t len, size_t passed, size_t total, bool error) {
    if (error) snprintf(out, len, "error");
    else if (total == 0) snprintf(out, len, "-");
    else snprintf(out, len, "%s %zu/%zu", passed == total ? "ok" : "FAIL", passed, total);
}

void sweep_print_table(FILE *out, const sweep_plan *p, const sweep_result *r) {
    char text[64];
    size_t *idx = xmalloc((p->n_axes ? p->n_axes : 1) * sizeof *idx);
    sweep__table t = {0};
    fprintf(out, "sweep: %s (%s): %zu point%s x %d seed%s = %zu run%s\n", p->name, p->path,
            p->n_points, p->n_points == 1 ? "" : "s", p->seeds, p->seeds == 1 ? "" : "s",
            r->n_rows, r->n_rows == 1 ? "" : "s");
    sweep__header(&t, p, "seed");
    size_t runs_failed = 0, runs_error = 0, rules = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        const sweep_row *row = &r->rows[i];
        sweep__point_cells(&t, p, row->point, idx);
        snprintf(text, sizeof text, "%llu", (unsigned long long)row->seed);
        sweep__cell(&t, text);
        for (size_t c = 0; c < p->n_columns; c++) {
            sweep__fmt_short(text, sizeof text, row->metric[p->columns[c]]);
            sweep__cell(&t, text);
        }
        sweep__verdict(text, sizeof text, row->n_expects - row->n_failed, row->n_expects, row->error);
        sweep__cell(&t, text);
        runs_failed += row->n_failed > 0;
        runs_error += row->error != NULL;
        rules += row->n_expects;
    }
    sweep__table_print(out, &t);
    if (p->seeds > 1 && r->n_rows) {
        fprintf(out, "mean over %d seeds:\n", p->seeds);
        sweep__header(&t, p, "runs");
        for (size_t pt = 0; pt < p->n_points; pt++) {
            const sweep_row *rows = &r->rows[pt * (size_t)p->seeds];
            sweep__point_cells(&t, p, pt, idx);
            snprintf(text, sizeof text, "%d", p->seeds);
            sweep__cell(&t, text);
            for (size_t c = 0; c < p->n_columns; c++) {
                double sum = 0;
                for (int k = 0; k < p->seeds; k++) sum += rows[k].metric[p->columns[c]];
                sweep__fmt_short(text, sizeof text, sum / p->seeds);
                sweep__cell(&t, text);
            }
            size_t passed = 0, total = 0;
            bool error = false;
            for (int k = 0; k < p->seeds; k++) {
                passed += rows[k].n_expects - rows[k].n_failed;
                total += rows[k].n_expects;
                error = error || rows[k].error;
            }
            sweep__verdict(text, sizeof text, passed, total, error);
            sweep__cell(&t, text);
        }
        sweep__table_print(out, &t);
    }
    if (runs_error)
        fprintf(out, "%zu of %zu runs could not run\n", runs_error, r->n_rows);
    if (rules && runs_failed)
        fprintf(out, "expectations: %zu of %zu runs failed\n", runs_failed, r->n_rows);
    else if (rules)
        fprintf(out, "expectations: held in all %zu runs\n", r->n_rows);
    free(idx);
}

static cs_err sweep__close(FILE *f) {
    bool bad = ferror(f) != 0;
    int saved = errno;
    if (fclose(f) != 0) return CS_EIO;
    if (bad) {
        errno = saved ? saved : EIO;
        return CS_EIO;
    }
    return CS_OK;
}

cs_err sweep_write_csv(const char *file, const sweep_plan *p, const sweep_result *r) {
    FILE *f = fopen(file, "w");
    if (!f) return CS_EIO;
    size_t *idx = xmalloc((p->n_axes ? p->n_axes : 1) * sizeof *idx);
    fputs("point", f);
    for (size_t a = 0; a < p->n_axes; a++) {
        fputc(',', f);
        csv_field(f, p->axes[a].path);
    }
    fputs(",seed", f);
    for (size_t c = 0; c < p->n_columns; c++) fprintf(f, ",%s", sweep_metric_name(p->columns[c]));
    fputs(",expect_passed,expect_failed\n", f);
    char text[64];
    for (size_t i = 0; i < r->n_rows; i++) {
        const sweep_row *row = &r->rows[i];
        fprintf(f, "%zu", row->point + 1);
        sweep_point_indices(p, row->point, idx);
        for (size_t a = 0; a < p->n_axes; a++) {
            char *v = sweep__value_text(sweep__value(p, a, idx[a]));
            fputc(',', f);
            csv_field(f, v);
            free(v);
        }
        fprintf(f, ",%llu", (unsigned long long)row->seed);
        for (size_t c = 0; c < p->n_columns; c++) {
            csv_format_number(text, sizeof text, row->metric[p->columns[c]]);
            fprintf(f, ",%s", text);
        }
        fprintf(f, ",%zu,%zu\n", row->n_expects - row->n_failed, row->n_failed);
    }
    free(idx);
    return sweep__close(f);
}

cs_err sweep_write_json(const char *file, const sweep_plan *p, const sweep_result *r) {
    FILE *f = fopen(file, "w");
    if (!f) return CS_EIO;
    size_t *idx = xmalloc((p->n_axes ? p->n_axes : 1) * sizeof *idx);
    char text[64];
    fputs("[", f);
    for (size_t i = 0; i < r->n_rows; i++) {
        const sweep_row *row = &r->rows[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "point", (double)(row->point + 1));
        sweep_point_indices(p, row->point, idx);
        for (size_t a = 0; a < p->n_axes; a++)
            cJSON_AddItemToObject(o, p->axes[a].path,
                                  cJSON_Duplicate(sweep__value(p, a, idx[a]), true));
        cJSON_AddNumberToObject(o, "seed", (double)row->seed);
        for (size_t c = 0; c < p->n_columns; c++) { /* the CSV's digits (cJSON's may be
                                                       an ulp off); JSON has no NaN */
            double v = row->metric[p->columns[c]];
            csv_format_number(text, sizeof text, v);
            cJSON_AddRawToObject(o, sweep_metric_name(p->columns[c]), isfinite(v) ? text : "null");
        }
        cJSON_AddNumberToObject(o, "expect_passed", (double)(row->n_expects - row->n_failed));
        cJSON_AddNumberToObject(o, "expect_failed", (double)row->n_failed);
        if (row->failed) cJSON_AddStringToObject(o, "failed", row->failed);
        if (row->error) cJSON_AddStringToObject(o, "error", row->error);
        char *s = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (!s) abort();
        fprintf(f, "%s\n  %s", i ? "," : "", s);
        cJSON_free(s);
    }
    fputs(r->n_rows ? "\n]\n" : "]\n", f);
    free(idx);
    return sweep__close(f);
}

