/* fields.c - the machinery under the field tables (scn_int.h): located
 * messages, the readers of one value of each type, and the walk that reads
 * an object row by row.
 *
 * Every reader checks a value where it is read and, if it is wrong, writes
 * one line that names the file, the JSON location and what is wrong:
 *
 *   scenarios/x.json: $.events[3].at: expected a number >= 0
 *
 * and returns CS_EINVAL; the first problem ends the whole walk. Objects are
 * checked for unknown and repeated keys before their fields are read, so a
 * typo ("dificulty") cannot silently become a default. Values are written
 * into the struct under construction at the row's offset; strings are
 * copies that struct owns from the moment they are made, so the one failure
 * path is scenario_cleanup(). */
#include "scenario/scn_int.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "chain/tx.h"
#include "util/mem.h"

/* ---- messages and values ---------------------------------------------- */

cs_err scn__fail(scn__ctx *c, const char *jpath, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    jpath_vmessage(c->msg, c->msg_len, c->path, jpath, fmt, ap);
    va_end(ap);
    return CS_EINVAL;
}

cs_err scn__required(scn__ctx *c, const cJSON *obj, const char *jp, const char *key,
                     const cJSON **out, char kp[JPATH_MAX]) {
    jpath_key(kp, jp, key);
    *out = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!*out) return scn__fail(c, kp, "required field is missing");
    return CS_OK;
}

cs_err scn__get_string(scn__ctx *c, const cJSON *it, const char *jp, bool nonempty,
                       const char **out) {
    if (!cJSON_IsString(it) || (nonempty && it->valuestring[0] == '\0'))
        return scn__fail(c, jp, nonempty ? "expected a non-empty string" : "expected a string");
    *out = it->valuestring;
    return CS_OK;
}

cs_err scn__get_bool(scn__ctx *c, const cJSON *it, const char *jp, bool *out) {
    if (!cJSON_IsBool(it)) return scn__fail(c, jp, "expected true or false");
    *out = cJSON_IsTrue(it);
    return CS_OK;
}

/* The message gives the whole range unless a bound is only the format's
 * technical limit (+-(2^53 - 1)) and was not exceeded. */
cs_err scn__get_int(scn__ctx *c, const cJSON *it, const char *jp, int64_t lo, int64_t hi,
                    int64_t *out) {
    bool num = cJSON_IsNumber(it) && isfinite(it->valuedouble);
    double v = num ? it->valuedouble : 0;
    bool over = num && v > (double)hi, under = num && v < (double)lo;
    if (num && !over && !under && v == floor(v)) {
        *out = (int64_t)v;
        return CS_OK;
    }
    if (lo == -SCN_INT_MAX && hi == SCN_INT_MAX && !over && !under)
        return scn__fail(c, jp, "expected an integer");
    if (hi == SCN_INT_MAX && !over)
        return scn__fail(c, jp, "expected an integer >= %lld", (long long)lo);
    return scn__fail(c, jp, "expected an integer in %lld..%lld", (long long)lo, (long long)hi);
}

cs_err scn__get_num(scn__ctx *c, const cJSON *it, const char *jp, scn__range r, double *out) {
    bool num = cJSON_IsNumber(it) && isfinite(it->valuedouble);
    double v = num ? it->valuedouble : 0;
    bool low_ok = r.lo_open ? v > r.lo : v >= r.lo;
    bool high_ok = r.hi_open ? v < r.hi : v <= r.hi;
    if (num && low_ok && high_ok) {
        *out = v;
        return CS_OK;
    }
    if (!r.show_hi && (!num || !low_ok))
        return scn__fail(c, jp, "expected a number %s %.15g", r.lo_open ? ">" : ">=", r.lo);
    return scn__fail(c, jp, "expected a number %s %.15g and %s %.15g", r.lo_open ? ">" : ">=",
                     r.lo, r.hi_open ? "<" : "<=", r.hi);
}

/* Seconds in the file -> microseconds. positive: > 0 and at least 1 us. */
static cs_err scn_get_seconds(scn__ctx *c, const cJSON *it, const char *jp, bool positive,
                               int64_t *out_us) {
    double v = 0;
    scn__range r = {.lo = 0, .lo_open = positive, .hi = SCN_MAX_SECONDS};
    cs_err e = scn__get_num(c, it, jp, r, &v);
    if (e) return e;
    int64_t us = llround(v * 1e6);
    if (positive && us < 1) return scn__fail(c, jp, "expected a number >= 0.000001");
    *out_us = us;
    return CS_OK;
}

cs_err scn__get_ms(scn__ctx *c, const cJSON *it, const char *jp, int64_t *out_us) {
    double v = 0;
    scn__range r = {.lo = 0, .hi = SCN_MAX_SECONDS * 1000};
    cs_err e = scn__get_num(c, it, jp, r, &v);
    if (e) return e;
    *out_us = llround(v * 1000);
    return CS_OK;
}

cs_err scn__get_node(scn__ctx *c, const cJSON *it, const char *jp, int *out) {
    const scenario *s = c->s;
    if (cJSON_IsString(it)) {
        void *v = hmap_get(&c->names, it->valuestring, strlen(it->valuestring));
        if (!v) {
            char q[JPATH_QUOTE_BUF];
            return scn__fail(c, jp, "unknown node \"%s\"",
                             jpath_quote(q, sizeof q, it->valuestring));
        }
        *out = (int)((uintptr_t)v - 1);
        return CS_OK;
    }
    if (cJSON_IsNumber(it) && isfinite(it->valuedouble) &&
        it->valuedouble == floor(it->valuedouble)) {
        double v = it->valuedouble;
        if (v < 0 || v >= s->n_nodes)
            return scn__fail(c, jp, "node index %.0f out of range (%d nodes)", v, s->n_nodes);
        *out = (int)v;
        return CS_OK;
    }
    return scn__fail(c, jp, "expected a node name or index");
}

cs_err scn__check_account(scn__ctx *c, const char *name, const char *jp) {
    if (strcmp(name, TX_REWARD_SENDER) == 0)
        return scn__fail(c, jp, "\"0\" is reserved (the sender of block rewards)");
    reject r = tx_check_fields(name, name, 1, "scenario");
    if (r == REJ_TX_NAME_EMPTY) return scn__fail(c, jp, "expected a non-empty name");
    if (r == REJ_TX_NAME_LONG) return scn__fail(c, jp, "name longer than %d bytes", TX_NAME_MAX);
    if (r == REJ_TX_NAME_SPACE) return scn__fail(c, jp, "name begins or ends with white space");
    if (r != REJ_NONE)
        return scn__fail(c, jp, "name is not UTF-8 or contains control characters");
    return CS_OK;
}

/* ---- storing into the struct ------------------------------------------ */

/* An integer into a member of `size` bytes: a bool, an int (or an enum) or
 * an int64_t (or a uint64_t). */
static void scn_put_int(void *p, size_t size, int64_t v) {
    if (size == sizeof(bool)) {
        bool b = v != 0;
        memcpy(p, &b, sizeof b);
    } else if (size == sizeof(int)) {
        int i = (int)v;
        memcpy(p, &i, sizeof i);
    } else {
        assert(size == sizeof(int64_t));
        memcpy(p, &v, sizeof v);
    }
}

static int64_t scn_get_stored(const void *p, size_t size) {
    if (size == sizeof(bool)) return *(const bool *)p;
    if (size == sizeof(int)) return *(const int *)p;
    return *(const int64_t *)p;
}

static void scn_put_double(void *p, double v) { memcpy(p, &v, sizeof v); }

static void scn_put_string(void *p, const char *v) {
    char *copy = xstrdup(v);
    memcpy(p, &copy, sizeof copy);
}

/* ---- rows ------------------------------------------------------------- */

static bool scn_in_variant(const scn__field *f, int v) {
    return f->in == SCN__ALL_VARIANTS || (v >= 0 && (f->in >> v) & 1u);
}

static bool scn_is_required(const scn__field *f, int v) {
    return (f->flags & (SCN__REQUIRED | SCN__FIRST)) || (v >= 0 && (f->req >> v) & 1u);
}

void scn__defaults(const scn__schema *sc, void *base) {
    for (size_t i = 0; i < sc->n_fields; i++) {
        const scn__field *f = &sc->fields[i];
        char *p = (char *)base + f->offset;
        if (f->sub && !(f->flags & (SCN__ARRAY | SCN__OWN))) scn__defaults(f->sub, base);
        if (f->def == 0 || f->type == SCN__RULE) continue;
        switch (f->type) {
        case SCN__INT:
        case SCN__CHOICE:
        case SCN__NODE:
        case SCN__BOOL: scn_put_int(p, f->size, (int64_t)f->def); break;
        case SCN__NUMBER:
        case SCN__REAL: scn_put_double(p, f->def); break;
        case SCN__SECONDS: scn_put_int(p, f->size, llround(f->def * 1e6)); break;
        case SCN__MS: scn_put_int(p, f->size, llround(f->def * 1000)); break;
        case SCN__STRING:
        case SCN__ACCOUNT:
        case SCN__OBJECT:
        case SCN__CUSTOM:
        case SCN__RULE: assert(!"no default for this type"); break;
        }
    }
}

static bool scn_known(const scn__schema *sc, const char *key, int v) {
    for (size_t i = 0; i < sc->n_fields; i++) {
        const scn__field *f = &sc->fields[i];
        if (f->key && !(f->flags & SCN__PATTERN) && strcmp(f->key, key) == 0 &&
            (v < 0 || scn_in_variant(f, v)))
            return true;
    }
    return false;
}

cs_err scn__check_keys(scn__ctx *c, const cJSON *obj, const char *jp, const scn__schema *sc,
                       int v) {
    if (!cJSON_IsObject(obj)) return scn__fail(c, jp, "expected an object");
    char kp[JPATH_MAX];
    for (const cJSON *it = obj->child; it; it = it->next) {
        jpath_key(kp, jp, it->string);
        if (!scn_known(sc, it->string, v)) return scn__fail(c, kp, "unknown field");
        for (const cJSON *prev = obj->child; prev != it; prev = prev->next)
            if (strcmp(prev->string, it->string) == 0)
                return scn__fail(c, kp, "duplicate field");
    }
    return CS_OK;
}

/* "expected "a", "b" or "c"" or "expected one of a, b, c". */
static cs_err scn_choice_fail(scn__ctx *c, const scn__field *f, const char *jp) {
    if (f->expected) return scn__fail(c, jp, "%s", f->expected);
    char list[512] = "";
    size_t n = 0, len = 0;
    while (f->choices[n].name) n++;
    for (size_t i = 0; i < n && len < sizeof list; i++) {
        const char *sep = i == 0 ? "" : (f->flags & SCN__ONE_OF) || i + 1 < n ? ", " : " or ";
        const char *quote = f->flags & SCN__ONE_OF ? "" : "\"";
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s%s%s", sep, quote,
                                f->choices[i].name, quote);
    }
    return scn__fail(c, jp, "expected %s%s", f->flags & SCN__ONE_OF ? "one of " : "", list);
}

cs_err scn__read_typed(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                       void *base) {
    char *p = (char *)base + f->offset;
    cs_err e = CS_OK;
    const char *str = NULL;
    int64_t i = 0;
    double d = 0;
    bool b = false;
    int node = -1;
    switch (f->type) {
    case SCN__STRING:
        if (!(e = scn__get_string(c, it, jp, f->flags & SCN__NONEMPTY, &str)))
            scn_put_string(p, str);
        break;
    case SCN__ACCOUNT:
        e = scn__get_string(c, it, jp, true, &str);
        if (!e) e = scn__check_account(c, str, jp);
        if (!e) scn_put_string(p, str);
        break;
    case SCN__BOOL:
        if (!(e = scn__get_bool(c, it, jp, &b))) scn_put_int(p, f->size, b);
        break;
    case SCN__INT:
        if (!(e = scn__get_int(c, it, jp, (int64_t)f->lo, (int64_t)f->hi, &i)))
            scn_put_int(p, f->size, i);
        break;
    case SCN__NUMBER: {
        scn__range r = {.lo = f->lo, .hi = f->hi, .lo_open = f->flags & SCN__LO_OPEN,
                        .hi_open = f->flags & SCN__HI_OPEN, .show_hi = f->flags & SCN__SHOW_HI};
        if (!(e = scn__get_num(c, it, jp, r, &d))) scn_put_double(p, d);
        break;
    }
    case SCN__REAL:
        if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
            e = scn__fail(c, jp, "expected a number");
        else
            scn_put_double(p, it->valuedouble);
        break;
    case SCN__SECONDS:
        if (!(e = scn_get_seconds(c, it, jp, f->flags & SCN__LO_OPEN, &i)))
            scn_put_int(p, f->size, i);
        break;
    case SCN__MS:
        if (!(e = scn__get_ms(c, it, jp, &i))) scn_put_int(p, f->size, i);
        break;
    case SCN__CHOICE: {
        const scn__choice *ch = f->choices;
        while (ch->name && !(cJSON_IsString(it) && strcmp(it->valuestring, ch->name) == 0))
            ch++;
        if (ch->name) scn_put_int(p, f->size, ch->value);
        else e = scn_choice_fail(c, f, jp);
        break;
    }
    case SCN__NODE:
        if (!(e = scn__get_node(c, it, jp, &node))) scn_put_int(p, f->size, node);
        break;
    case SCN__OBJECT: e = scn__read_object(c, it, jp, f->sub, base); break;
    case SCN__CUSTOM:
    case SCN__RULE: assert(!"a custom field needs a reader"); break;
    }
    return e;
}

cs_err scn__read_value(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                       void *base) {
    cs_err e = f->read ? f->read(c, f, it, jp, base) : scn__read_typed(c, f, it, jp, base);
    if (!e && f->set_at) {
        bool set = true;
        memcpy((char *)base + f->set_at - 1, &set, sizeof set);
    }
    return e;
}

cs_err scn__read_variant(scn__ctx *c, const cJSON *obj, const char *jp, const scn__schema *sc,
                         void *base, int *v) {
    const scn__field *f = sc->fields;
    while (!(f->flags & SCN__VARIANT)) f++; /* every variant schema has one */
    char kp[JPATH_MAX];
    const cJSON *it = NULL;
    cs_err e = scn__required(c, obj, jp, f->key, &it, kp);
    if (!e) e = scn__read_value(c, f, it, kp, base);
    if (!e) *v = (int)scn_get_stored((char *)base + f->offset, f->size);
    return e;
}

cs_err scn__read_fields(scn__ctx *c, const cJSON *obj, const char *jp, const scn__schema *sc,
                        int v, void *base) {
    char kp[JPATH_MAX];
    cs_err e = CS_OK;
    for (size_t i = 0; i < sc->n_fields; i++) {
        const scn__field *f = &sc->fields[i];
        if (f->only && !scn_in_variant(f, v) && cJSON_GetObjectItemCaseSensitive(obj, f->key)) {
            jpath_key(kp, jp, f->key);
            return scn__fail(c, kp, "%s", f->only);
        }
    }
    for (size_t i = 0; i < sc->n_fields; i++) {
        const scn__field *f = &sc->fields[i];
        if ((f->flags & SCN__FIRST) && !cJSON_GetObjectItemCaseSensitive(obj, f->key)) {
            jpath_key(kp, jp, f->key);
            return scn__fail(c, kp, "required field is missing");
        }
    }
    for (size_t i = 0; i < sc->n_fields && !e; i++) {
        const scn__field *f = &sc->fields[i];
        if (!scn_in_variant(f, v) || (f->flags & (SCN__VARIANT | SCN__PATTERN))) continue;
        if (f->type == SCN__RULE) {
            e = f->rule(c, obj, jp, base);
            continue;
        }
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, f->key);
        jpath_key(kp, jp, f->key);
        if (it && f->excludes && cJSON_GetObjectItemCaseSensitive(obj, f->excludes))
            e = scn__fail(c, jp, "give either %s or %s", f->key, f->excludes);
        else if (it) e = scn__read_value(c, f, it, kp, base);
        else if (scn_is_required(f, v)) e = scn__fail(c, kp, "required field is missing");
    }
    return e;
}

cs_err scn__read_object(scn__ctx *c, const cJSON *obj, const char *jp, const scn__schema *sc,
                        void *base) {
    cs_err e = scn__check_keys(c, obj, jp, sc, -1);
    return e ? e : scn__read_fields(c, obj, jp, sc, -1, base);
}

cs_err scn__read_typed_variant(scn__ctx *c, const scn__field *f, const cJSON *obj, const char *jp,
                               void *base) {
    int v = -1;
    cs_err e;
    if (!cJSON_IsObject(obj)) return scn__fail(c, jp, "expected an object with \"type\"");
    if ((e = scn__read_variant(c, obj, jp, f->sub, base, &v))) return e;
    if ((e = scn__check_keys(c, obj, jp, f->sub, v))) return e;
    return scn__read_fields(c, obj, jp, f->sub, v, base);
}

const scn__field *scn__short_field(const scn__schema *sc) {
    for (size_t i = 0; i < sc->n_fields; i++)
        if (sc->fields[i].flags & SCN__SHORT) return &sc->fields[i];
    return NULL;
}
