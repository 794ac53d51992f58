/* scn_int.h - what the files of the scenario reader share (scn__): the
 * reading context, located messages, value readers and the field tables.
 *
 * Every field of the format is one row of a table (scn__field): its JSON
 * name, its type and bounds, its default, where it goes (offsetof into the
 * struct being filled), when it is required, and one line of documentation.
 * The rows drive everything the reader does with a field: the list of keys
 * an object may have (anything else is "unknown field"), the defaults, the
 * reading and its error message, and the field reference that
 * `chainsim --scenario-fields` prints (docs/scenario-fields.md).
 *
 * A table is read in its order, so the order is the order in which errors
 * are found. Rows that are not fields (SCN__RULE) are checks that look at
 * several fields or at other parts of the file ("max is less than min");
 * they run at their place in the order. Objects whose fields depend on a
 * choice ("do" of an event, "strategy" of an attacker, "type" of a
 * topology) are variant objects: the choice's value v selects the rows
 * whose `in` mask has bit v, and `req` says in which variants a row is
 * required.
 *
 * Adding a field: add its member to the struct in scenario.h, add one row to
 * the table of its object (network.c, timeline.c or reader.c), then
 * regenerate the reference (see docs/scenarios.md, "Adding a field"). */
#ifndef CHAINSIM_SCENARIO_SCN_INT_H
#define CHAINSIM_SCENARIO_SCN_INT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scenario/scenario.h"
#include "util/hmap.h"
#include "util/jpath.h"

/* Integers in the file are read through a double (cJSON); beyond 2^53 - 1
 * they are no longer exact, so that is the widest integer accepted. */
#define SCN_INT_MAX 9007199254740991LL
#define SCN_MAX_BLOCK_BYTES 1000000000LL
#define SCN_MAX_HEIGHT 1000000000LL
#define SCN_MAX_SIZES 1000000 /* entries of an empirical block size list */
#define SCN_MAX_RATE 1e6    /* tx_per_s */
#define SCN_MAX_HASH_POWER 1e15

typedef struct scn__ctx {
    const char *path; /* the file, for messages */
    char *msg;
    size_t msg_len;
    scenario *s;      /* under construction */
    const cJSON *root; /* the file's document */
    hmap names;       /* node name -> index + 1 (keys live in s->nodes) */
    size_t expects_cap, attackers_cap; /* of s->expects, s->attackers */
} scn__ctx;

/* ---- messages and values ---------------------------------------------- */

/* Writes "path: jpath: <text>" into the caller's buffer; returns CS_EINVAL. */
cs_err scn__fail(scn__ctx *c, const char *jpath, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fetches a required field of obj; its path goes to kp. */
cs_err scn__required(scn__ctx *c, const cJSON *obj, const char *jp, const char *key,
                     const cJSON **out, char kp[JPATH_MAX]);
cs_err scn__get_string(scn__ctx *c, const cJSON *it, const char *jp, bool nonempty,
                       const char **out);
cs_err scn__get_bool(scn__ctx *c, const cJSON *it, const char *jp, bool *out);
/* An integer in [lo, hi]. */
cs_err scn__get_int(scn__ctx *c, const cJSON *it, const char *jp, int64_t lo, int64_t hi,
                    int64_t *out);

/* A number's bounds; lo_open/hi_open make them strict. The upper bound is
 * named in the message when show_hi is set or when the value exceeds it. */
typedef struct scn__range {
    double lo, hi;
    bool lo_open, hi_open, show_hi;
} scn__range;
cs_err scn__get_num(scn__ctx *c, const cJSON *it, const char *jp, scn__range r, double *out);
/* Milliseconds in the file -> microseconds, >= 0. */
cs_err scn__get_ms(scn__ctx *c, const cJSON *it, const char *jp, int64_t *out_us);
/* A node reference: a name string or an integer index. */
cs_err scn__get_node(scn__ctx *c, const cJSON *it, const char *jp, int *out);
/* A name that becomes an account (a node's, as miner, or a genesis balance):
 * the transaction rules for names, and not the reward sender "0". */
cs_err scn__check_account(scn__ctx *c, const char *name, const char *jp);

/* ---- field tables ----------------------------------------------------- */

typedef enum scn__type {
    SCN__STRING,  /* char *, a copy the scenario owns; SCN__NONEMPTY */
    SCN__BOOL,    /* bool */
    SCN__INT,     /* an integer in [lo, hi], into an int or an int64_t */
    SCN__NUMBER,  /* a double in lo..hi (SCN__LO_OPEN, SCN__HI_OPEN, SCN__SHOW_HI) */
    SCN__REAL,    /* any finite double (the bounds of expect rules) */
    SCN__SECONDS, /* seconds (0..SCN_MAX_SECONDS) -> int64_t us; SCN__LO_OPEN: > 0 */
    SCN__MS,      /* milliseconds -> int64_t us, >= 0 */
    SCN__CHOICE,  /* one of `choices` -> its value, into an enum, an int or a bool */
    SCN__NODE,    /* a node name or index -> int */
    SCN__ACCOUNT, /* an account name (scn__check_account) -> char * */
    SCN__OBJECT,  /* an object of `sub`'s fields, into the same struct */
    SCN__CUSTOM,  /* read by `read` only (arrays, several forms) */
    SCN__RULE,    /* not a field: `rule` runs at this place in the order */
} scn__type;

enum {
    SCN__REQUIRED = 1 << 0, /* required in every variant (else see `req`) */
    SCN__NONEMPTY = 1 << 1,
    SCN__LO_OPEN = 1 << 2,
    SCN__HI_OPEN = 1 << 3,
    SCN__SHOW_HI = 1 << 4,
    SCN__ARRAY = 1 << 5,    /* an array: `sub` describes each element (its own struct) */
    SCN__OWN = 1 << 6,      /* `sub`'s fields go into structs of their own (each
                               expect rule), not into this one */
    SCN__VARIANT = 1 << 7,  /* the choice that selects the object's variant */
    SCN__SHORT = 1 << 8,    /* the object may be given as this one value */
    SCN__PATTERN = 1 << 9,  /* key is a description ("<metric>"), not a name */
    SCN__ONE_OF = 1 << 10,  /* CHOICE: "expected one of a, b, c" (not quoted) */
    SCN__FIRST = 1 << 11,   /* required, and missing it is found before any field
                               is read (wherever its row is) */
};

#define SCN__ALL_VARIANTS 0u /* `in` of a row every variant has */
#define SCN__BIT(v) (1u << (v))

typedef struct scn__choice {
    const char *name; /* NULL ends a list */
    int value;
} scn__choice;

typedef struct scn__field scn__field;
typedef struct scn__schema {
    const scn__field *fields;
    size_t n_fields;
    const scn__choice *variants; /* the names of the variants (for the
                                    reference), or NULL */
} scn__schema;

#define SCN__SCHEMA(rows) {(rows), sizeof(rows) / sizeof((rows)[0]), NULL}
#define SCN__VARIANT_SCHEMA(rows, names) {(rows), sizeof(rows) / sizeof((rows)[0]), (names)}

/* Reads the value at it (path jp) of field f into base (a custom field). */
typedef cs_err (*scn__reader)(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                              void *base);
/* A rule about obj (the object at jp, NULL if the file has none) and base. */
typedef cs_err (*scn__rule)(scn__ctx *c, const cJSON *obj, const char *jp, void *base);

struct scn__field {
    const char *key;        /* the JSON name; NULL for a rule */
    scn__type type;
    size_t offset, size;    /* the member it goes into (SCN__AT) */
    unsigned flags;
    double lo, hi;          /* INT, NUMBER: bounds */
    double def;             /* the default, in the file's unit (seconds, ms) */
    const scn__choice *choices; /* CHOICE */
    unsigned in, req;       /* variant masks: the variants that take it (0:
                               all) and those that require it */
    size_t set_at;          /* 1 + the offset of a bool set when the file gives
                               the field (SCN__SET); 0: none */
    const char *only;       /* given outside its variants: this message (else
                               the key is unknown there) */
    const char *excludes;   /* the key of a field the object may not also have
                               ("give either k or outbound_cdf", found at this row) */
    const char *expected;   /* the message for a wrong value, if not the type's */
    scn__reader read;       /* CUSTOM (or another type with several forms) */
    scn__rule rule;         /* RULE */
    const scn__schema *sub; /* OBJECT: its fields; others: the fields of their
                               object form, for the reference */
    const char *value_doc;  /* how the reference describes the value, if not
                               by its type */
    const char *def_doc;    /* how the reference gives the default, if not def */
    const char *doc;        /* one line for the reference */
};

/* Where a member of struct `st` is. */
#define SCN__AT(st, member) .offset = offsetof(st, member), .size = sizeof(((st *)0)->member)
/* The bool member of `st` that says the file gave the field. */
#define SCN__SET(st, member) .set_at = offsetof(st, member) + 1

/* Applies the defaults of the schema's fields (and of the objects that
 * share base, recursively) to base; zero defaults are left as they are. */
void scn__defaults(const scn__schema *sc, void *base);
/* Checks that obj is an object whose keys are all fields of variant v of
 * the schema (v < 0: of any variant), each given once. */
cs_err scn__check_keys(scn__ctx *c, const cJSON *obj, const char *jp, const scn__schema *sc,
                       int v);
/* Reads the schema's variant field (required) from obj into base; *v is
 * its value. */
cs_err scn__read_variant(scn__ctx *c, const cJSON *obj, const char *jp, const scn__schema *sc,
                         void *base, int *v);
/* A field's reader (scn__field.read) for an object whose "type" picks the
 * variant of f->sub: the type, then the keys that variant allows, then its
 * fields ("expected an object with "type"" for anything but an object). */
cs_err scn__read_typed_variant(scn__ctx *c, const scn__field *f, const cJSON *obj, const char *jp,
                               void *base);
/* Reads the fields of variant v (-1: none) in table order, rules
 * included; the variant field itself is not read again. Fields given
 * outside their variants that carry an `only` message are refused first,
 * then missing SCN__FIRST fields. */
cs_err scn__read_fields(scn__ctx *c, const cJSON *obj, const char *jp, const scn__schema *sc,
                        int v, void *base);
/* Keys and fields of a plain object (no variants): what an SCN__OBJECT
 * field does (its defaults were applied with its parent's). */
cs_err scn__read_object(scn__ctx *c, const cJSON *obj, const char *jp, const scn__schema *sc,
                        void *base);
/* One field's value at it (path jp) into base: by its reader if it has one,
 * else by its type; then its SCN__SET flag. */
cs_err scn__read_value(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                       void *base);
/* The same by the field's type only (a reader's plain form). */
cs_err scn__read_typed(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                       void *base);
/* The schema's SCN__SHORT field, or NULL. */
const scn__field *scn__short_field(const scn__schema *sc);

/* ---- the parts of the format ------------------------------------------ */

extern const scn__schema scn__root_schema; /* reader.c */

/* network.c */
cs_err scn__read_nodes(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                       void *base);
cs_err scn__read_topology(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                          void *base);
cs_err scn__read_relay(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                       void *base);
cs_err scn__check_regions(scn__ctx *c, const cJSON *obj, const char *jp, void *base);
extern const scn__schema scn__node_schema, scn__links_schema, scn__network_schema, scn__hash_power_schema,
    scn__topology_schema, scn__relay_schema;
extern const scn__choice scn__topology_choices[], scn__relay_choices[];

/* timeline.c */
cs_err scn__read_events(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                        void *base);
cs_err scn__read_attackers(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                           void *base);
cs_err scn__read_expect(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                        void *base);
extern const scn__schema scn__event_schema, scn__attacker_schema, scn__churn_schema,
    scn__expect_schema;

#endif
