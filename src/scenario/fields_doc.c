/* fields_doc.c - the field reference (docs/scenario-fields.md), written
 * from the very tables the reader reads with, so the two cannot disagree:
 * one Markdown table per object of the format, in the order the reader
 * reads them, then the object's checks in the order they run.
 * tests/cli_scenario_fields.sh fails when the committed page and
 * `chainsim --scenario-fields` differ. */
#include "scenario/scn_int.h"

#include <string.h>

#include "util/mem.h"

/* The names of the variants in mask, "tx, register", into out. */
static void scn_variant_names(char *out, size_t len, const scn__schema *sc, unsigned mask) {
    size_t o = 0;
    out[0] = '\0';
    for (const scn__choice *ch = sc->variants; ch && ch->name && o < len; ch++)
        if ((mask >> ch->value) & 1u)
            o += (size_t)snprintf(out + o, len - o, "%s%s", o ? ", " : "", ch->name);
}

static void scn_choice_list(char *out, size_t len, const scn__choice *ch) {
    size_t o = 0, n = 0;
    while (ch[n].name) n++;
    out[0] = '\0';
    for (size_t i = 0; i < n && o < len; i++)
        o += (size_t)snprintf(out + o, len - o, "%s\"%s\"", i == 0 ? "" : i + 1 < n ? ", " : " or ",
                              ch[i].name);
}

static void scn_value_text(char *out, size_t len, const scn__field *f) {
    const char *lo_op = f->flags & SCN__LO_OPEN ? ">" : ">=";
    const char *hi_op = f->flags & SCN__HI_OPEN ? "<" : "<=";
    if (f->value_doc) {
        snprintf(out, len, "%s", f->value_doc);
        return;
    }
    switch (f->type) {
    case SCN__STRING: snprintf(out, len, f->flags & SCN__NONEMPTY ? "non-empty string" : "string"); break;
    case SCN__BOOL: snprintf(out, len, "true or false"); break;
    case SCN__INT:
        if (f->lo == -SCN_INT_MAX && f->hi == SCN_INT_MAX) snprintf(out, len, "integer");
        else if (f->hi == SCN_INT_MAX) snprintf(out, len, "integer >= %.0f", f->lo);
        else snprintf(out, len, "integer %.0f..%.0f", f->lo, f->hi);
        break;
    case SCN__NUMBER: snprintf(out, len, "number %s %g and %s %g", lo_op, f->lo, hi_op, f->hi); break;
    case SCN__REAL: snprintf(out, len, "number"); break;
    case SCN__SECONDS: snprintf(out, len, "seconds %s 0", lo_op); break;
    case SCN__MS: snprintf(out, len, "ms >= 0"); break;
    case SCN__CHOICE: scn_choice_list(out, len, f->choices); break;
    case SCN__NODE: snprintf(out, len, "node name or index"); break;
    case SCN__ACCOUNT: snprintf(out, len, "account name (1..%d bytes of UTF-8, no control characters)", 64); break;
    case SCN__OBJECT: snprintf(out, len, "object"); break;
    case SCN__CUSTOM:
    case SCN__RULE: snprintf(out, len, "see below"); break;
    }
}

static void scn_default_text(char *out, size_t len, const scn__schema *sc, const scn__field *f) {
    char names[256];
    if ((f->flags & (SCN__REQUIRED | SCN__FIRST)) || (f->req && f->req == f->in)) {
        snprintf(out, len, "required");
        return;
    }
    size_t o = 0;
    if (f->req) {
        scn_variant_names(names, sizeof names, sc, f->req);
        o = (size_t)snprintf(out, len, "required for %s; ", names);
    }
    if (f->def_doc) {
        snprintf(out + o, len - o, "%s", f->def_doc);
        return;
    }
    switch (f->type) {
    case SCN__INT:
    case SCN__NUMBER:
    case SCN__SECONDS:
    case SCN__MS: snprintf(out + o, len - o, "%g", f->def); break;
    case SCN__BOOL: snprintf(out + o, len - o, f->def != 0 ? "true" : "false"); break;
    case SCN__CHOICE: {
        const scn__choice *ch = f->choices;
        while (ch->name && ch->value != (int)f->def) ch++;
        snprintf(out + o, len - o, ch->name ? "\"%s\"" : "none", ch->name);
        break;
    }
    case SCN__STRING:
    case SCN__REAL:
    case SCN__ACCOUNT:
    case SCN__NODE:
    case SCN__CUSTOM: snprintf(out + o, len - o, "none"); break;
    case SCN__OBJECT:
    case SCN__RULE: snprintf(out + o, len - o, "-"); break;
    }
}

/* A field's sub-object's path: "$.links", "$.nodes[]", "$.expect.<metric>". */
static void scn_sub_path(char *out, size_t len, const char *path, const scn__field *f) {
    snprintf(out, len, "%s.%s%s", path, f->key, f->flags & SCN__ARRAY ? "[]" : "");
}

static void scn_write_schema(FILE *out, const char *path, const scn__schema *sc) {
    char value[512], def[512], names[256];
    fprintf(out, "## `%s`\n\n", path);
    fprintf(out, sc->variants ? "| field | value | default | taken by | meaning |\n|---|---|---|---|---|\n"
                              : "| field | value | default | meaning |\n|---|---|---|---|\n");
    bool rules = false;
    for (size_t i = 0; i < sc->n_fields; i++) {
        const scn__field *f = &sc->fields[i];
        rules = rules || f->excludes;
        if (f->type == SCN__RULE) {
            rules = true;
            continue;
        }
        scn_value_text(value, sizeof value, f);
        scn_default_text(def, sizeof def, sc, f);
        fprintf(out, "| `%s` | %s | %s |", f->key, value, def);
        if (sc->variants) {
            if (f->flags & SCN__VARIANT) snprintf(names, sizeof names, "(chooses)");
            else if (f->in == SCN__ALL_VARIANTS) snprintf(names, sizeof names, "all");
            else scn_variant_names(names, sizeof names, sc, f->in);
            fprintf(out, " %s |", names);
        }
        fprintf(out, " %s |\n", f->doc);
    }
    if (rules) {
        fprintf(out, "\nChecks, each run at its place among the fields above:\n\n");
        for (size_t i = 0; i < sc->n_fields; i++) {
            const scn__field *f = &sc->fields[i];
            if (f->excludes) fprintf(out, "- `%s` and `%s` exclude each other\n", f->key, f->excludes);
            if (f->type != SCN__RULE) continue;
            if (f->in != SCN__ALL_VARIANTS) {
                scn_variant_names(names, sizeof names, sc, f->in);
                fprintf(out, "- %s (%s)\n", f->doc, names);
            } else {
                fprintf(out, "- %s\n", f->doc);
            }
        }
    }
    fprintf(out, "\n");
    for (size_t i = 0; i < sc->n_fields; i++) {
        const scn__field *f = &sc->fields[i];
        if (!f->sub) continue;
        char sub[256];
        scn_sub_path(sub, sizeof sub, path, f);
        scn_write_schema(out, sub, f->sub);
    }
}

void scenario_write_fields(FILE *out) {
    fprintf(out,
            "# Scenario fields\n\n"
            "Every field of the scenario format, generated from the tables the reader\n"
            "reads with (`src/scenario/`) by `chainsim --scenario-fields`; do not edit it by\n"
            "hand ([scenarios.md](scenarios.md) explains the format with examples and how\n"
            "to add a field). Objects are listed in the order they are read, which is the\n"
            "order in which errors are found. Times are seconds, latencies milliseconds;\n"
            "any other field is refused (\"unknown field\").\n\n");
    scn_write_schema(out, "$", &scn__root_schema);
}
