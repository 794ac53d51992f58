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

/* For people: integers as integers, else 6 significant digits; "-" for a
 * metric that does not apply (NAN). */
static void sweep__fmt_short(char *out, size_t len, double v) {
    if (isnan(v)) snprintf(out, len, "-");
    else if (v == 0) snprintf(out, len, "0");
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

static void sweep__header(sweep__table *t, const sweep_plan *p) {
    t->n_cols = 1 + p->n_axes + 2 + p->n_columns + 1;
    sweep__cell(t, "point");
    for (size_t a = 0; a < p->n_axes; a++) sweep__cell(t, p->axes[a].path);
    sweep__cell(t, "replica");
    sweep__cell(t, "seed");
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
    if (p->n_axes == 0)
        fprintf(out, "replications: %s (%s): %d replica%s\n", p->name, p->path, p->seeds,
                p->seeds == 1 ? "" : "s");
    else
        fprintf(out, "sweep: %s (%s): %zu point%s x %d replica%s = %zu run%s%s\n", p->name,
                p->path, p->n_points, p->n_points == 1 ? "" : "s", p->seeds,
                p->seeds == 1 ? "" : "s", r->n_rows, r->n_rows == 1 ? "" : "s",
                p->paired ? ", paired (every point the same seeds)" : "");
    sweep__header(&t, p);
    size_t runs_failed = 0, runs_error = 0, rules = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        const sweep_row *row = &r->rows[i];
        sweep__point_cells(&t, p, row->point, idx);
        snprintf(text, sizeof text, "%d", row->seed_index + 1);
        sweep__cell(&t, text);
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
    if (runs_error)
        fprintf(out, "%zu of %zu runs could not run\n", runs_error, r->n_rows);
    if (p->seeds > 1) { /* judged over the replicas: sweep_print_stats */
    } else if (rules && runs_failed) {
        fprintf(out, "expectations: %zu of %zu runs failed\n", runs_failed, r->n_rows);
    } else if (rules) {
        fprintf(out, "expectations: held in all %zu runs\n", r->n_rows);
    }
    free(idx);
}

/* The stat's fields in the tables' order: n, mean, sd, ci95_low, ci95_high. */
static double sweep__stat_field(const sweep_stat *st, int k) {
    return k == 0 ? (double)st->n : k == 1 ? st->mean : k == 2 ? st->sd : k == 3 ? st->lo : st->hi;
}
static const char *const sweep__stat_names[] = {"n", "mean", "sd", "ci95_low", "ci95_high"};
#define SWEEP_STAT_FIELDS 5

void sweep_print_stats(FILE *out, const sweep_plan *p, const sweep_result *r) {
    char text[64];
    size_t *idx = xmalloc((p->n_axes ? p->n_axes : 1) * sizeof *idx);
    sweep__table t = {.n_cols = 1 + p->n_axes + 1 + SWEEP_STAT_FIELDS};
    fprintf(out, "mean, sd and 95%% confidence interval over %d replicas (Student t, %d degree%s "
                 "of freedom):\n", p->seeds, p->seeds - 1, p->seeds == 2 ? "" : "s");
    sweep__cell(&t, "point");
    for (size_t a = 0; a < p->n_axes; a++) sweep__cell(&t, p->axes[a].path);
    sweep__cell(&t, "metric");
    for (int k = 0; k < SWEEP_STAT_FIELDS; k++) sweep__cell(&t, sweep__stat_names[k]);
    for (size_t pt = 0; pt < r->n_points; pt++)
        for (size_t c = 0; c < p->n_columns; c++) {
            sweep__point_cells(&t, p, pt, idx);
            sweep__cell(&t, sweep_metric_name(p->columns[c]));
            for (int k = 0; k < SWEEP_STAT_FIELDS; k++) {
                double v = sweep__stat_field(&r->points[pt].stat[p->columns[c]], k);
                if (isfinite(v)) sweep__fmt_short(text, sizeof text, v);
                else snprintf(text, sizeof text, "-");
                sweep__cell(&t, text);
            }
        }
    sweep__table_print(out, &t);
    size_t rules = 0, failed = 0;
    for (size_t pt = 0; pt < r->n_points; pt++) rules += r->points[pt].n_expects;
    if (rules) fputs("expectations over the replicas (a metric's bounds on its mean; "
                     "the other rules in every replica):\n", out);
    for (size_t pt = 0; pt < r->n_points; pt++) {
        const sweep_point_result *pr = &r->points[pt];
        failed += pr->n_failed > 0;
        for (size_t i = 0; i < pr->n_expects; i++)
            fprintf(out, "  point %zu: %-4s %s [%s]\n", pt + 1, pr->res[i].pass ? "ok" : "FAIL", pr->res[i].rule->label, pr->res[i].actual);
    }
    if (rules)
        fprintf(out, "expectations: %s\n", failed ? "FAILED" : "held at every point");
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
    fputs(",replica,seed", f);
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
        fprintf(f, ",%d,%llu", row->seed_index + 1, (unsigned long long)row->seed);
        for (size_t c = 0; c < p->n_columns; c++) {
            csv_format_number(text, sizeof text, row->metric[p->columns[c]]);
            fprintf(f, ",%s", text);
        }
        fprintf(f, ",%zu,%zu\n", row->n_expects - row->n_failed, row->n_failed);
    }
    free(idx);
    return sweep__close(f);
}

/* A number as the CSV writes it (cJSON's digits may be an ulp off); JSON
 * has no NaN: null. */
static void sweep__json_num(cJSON *o, const char *name, double v) {
    char text[64];
    csv_format_number(text, sizeof text, v);
    cJSON_AddRawToObject(o, name, isfinite(v) ? text : "null");
}

static void sweep__json_point(cJSON *o, const sweep_plan *p, size_t point, size_t *idx) {
    cJSON_AddNumberToObject(o, "point", (double)(point + 1));
    sweep_point_indices(p, point, idx);
    for (size_t a = 0; a < p->n_axes; a++)
        cJSON_AddItemToObject(o, p->axes[a].path, cJSON_Duplicate(sweep__value(p, a, idx[a]), true));
}

/* Writes o as one line after `sep` and frees it. */
static void sweep__json_line(FILE *f, const char *sep, cJSON *o) {
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s) abort();
    fprintf(f, "%s\n  %s", sep, s);
    cJSON_free(s);
}

static void sweep__json_rows(FILE *f, const sweep_plan *p, const sweep_result *r, size_t *idx) {
    fputs("[", f);
    for (size_t i = 0; i < r->n_rows; i++) {
        const sweep_row *row = &r->rows[i];
        cJSON *o = cJSON_CreateObject();
        sweep__json_point(o, p, row->point, idx);
        cJSON_AddNumberToObject(o, "replica", row->seed_index + 1);
        cJSON_AddNumberToObject(o, "seed", (double)row->seed);
        for (size_t c = 0; c < p->n_columns; c++)
            sweep__json_num(o, sweep_metric_name(p->columns[c]), row->metric[p->columns[c]]);
        cJSON_AddNumberToObject(o, "expect_passed", (double)(row->n_expects - row->n_failed));
        cJSON_AddNumberToObject(o, "expect_failed", (double)row->n_failed);
        if (row->failed) cJSON_AddStringToObject(o, "failed", row->failed);
        if (row->error) cJSON_AddStringToObject(o, "error", row->error);
        sweep__json_line(f, i ? "," : "", o);
    }
    fputs(r->n_rows ? "\n]" : "]", f);
}

/* Unreplicated: the array of rows. Replicated: an object with the rows
 * ("runs"), the stats and the verdicts over the replicas. */
cs_err sweep_write_json(const char *file, const sweep_plan *p, const sweep_result *r) {
    FILE *f = fopen(file, "w");
    if (!f) return CS_EIO;
    size_t *idx = xmalloc((p->n_axes ? p->n_axes : 1) * sizeof *idx);
    if (p->seeds == 1) {
        sweep__json_rows(f, p, r, idx);
        fputs("\n", f);
        free(idx);
        return sweep__close(f);
    }
    cJSON *head = cJSON_CreateObject();
    cJSON_AddStringToObject(head, "name", p->name);
    cJSON_AddNumberToObject(head, "replications", p->seeds);
    cJSON_AddBoolToObject(head, "paired", p->paired);
    cJSON_AddStringToObject(head, "interval", "95% confidence, Student t with replications - 1 "
                                              "degrees of freedom");
    char *h = cJSON_PrintUnformatted(head);
    cJSON_Delete(head);
    if (!h) abort();
    fprintf(f, "%.*s,\n\"runs\": ", (int)strlen(h) - 1, h); /* the object left open */
    cJSON_free(h);
    sweep__json_rows(f, p, r, idx);
    fputs(",\n\"stats\": [", f);
    const char *sep = "";
    for (size_t pt = 0; pt < r->n_points; pt++)
        for (size_t c = 0; c < p->n_columns; c++, sep = ",") {
            cJSON *o = cJSON_CreateObject();
            sweep__json_point(o, p, pt, idx);
            cJSON_AddStringToObject(o, "metric", sweep_metric_name(p->columns[c]));
            for (int k = 0; k < SWEEP_STAT_FIELDS; k++)
                sweep__json_num(o, sweep__stat_names[k],
                                sweep__stat_field(&r->points[pt].stat[p->columns[c]], k));
            sweep__json_line(f, sep, o);
        }
    fputs("\n],\n\"expect\": [", f);
    sep = "";
    for (size_t pt = 0; pt < r->n_points; pt++)
        for (size_t i = 0; i < r->points[pt].n_expects; i++, sep = ",") {
            const sweep_verdict *res = &r->points[pt].res[i];
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "point", (double)(pt + 1));
            cJSON_AddStringToObject(o, "rule", res->rule->label);
            cJSON_AddBoolToObject(o, "pass", res->pass);
            cJSON_AddStringToObject(o, "actual", res->actual);
            sweep__json_line(f, sep, o);
        }
    fputs(sep[0] ? "\n]}\n" : "]}\n", f);
    free(idx);
    return sweep__close(f);
}

cs_err sweep_write_stats_csv(const char *file, const sweep_plan *p, const sweep_result *r) {
    FILE *f = fopen(file, "w");
    if (!f) return CS_EIO;
    size_t *idx = xmalloc((p->n_axes ? p->n_axes : 1) * sizeof *idx);
    char text[64];
    fputs("point", f);
    for (size_t a = 0; a < p->n_axes; a++) {
        fputc(',', f);
        csv_field(f, p->axes[a].path);
    }
    fputs(",metric", f);
    for (int k = 0; k < SWEEP_STAT_FIELDS; k++) fprintf(f, ",%s", sweep__stat_names[k]);
    fputc('\n', f);
    for (size_t pt = 0; pt < r->n_points; pt++)
        for (size_t c = 0; c < p->n_columns; c++) {
            fprintf(f, "%zu", pt + 1);
            sweep_point_indices(p, pt, idx);
            for (size_t a = 0; a < p->n_axes; a++) {
                char *v = sweep__value_text(sweep__value(p, a, idx[a]));
                fputc(',', f);
                csv_field(f, v);
                free(v);
            }
            fprintf(f, ",%s", sweep_metric_name(p->columns[c]));
            for (int k = 0; k < SWEEP_STAT_FIELDS; k++) {
                double v = sweep__stat_field(&r->points[pt].stat[p->columns[c]], k);
                text[0] = '\0';
                if (isfinite(v)) csv_format_number(text, sizeof text, v);
                fprintf(f, ",%s", text);
            }
            fputc('\n', f);
        }
    free(idx);
    return sweep__close(f);
}
