/* tx.c - transactions: checked creation, parsing from peers, reference counts.
 *
 * A transaction is built once and then only read, by any number of nodes and
 * threads. Its canonical bytes are computed at creation and kept, because a
 * block embeds them verbatim and hashes them:
 *
 *   tx_create        builds them directly in key order (amount, id,
 *                    receiver, sender, timestamp), no cJSON involved;
 *   tx_from_json     STRICT: the five fields and nothing else, so the bytes
 *                    are the same as tx_create's and it is used to build them;
 *                    OPEN: canon_write_json of the whole object, so a classic
 *                    node's transaction keeps exactly the bytes it hashes. */
#include "chain/tx.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/sha256.h"
#include "util/buf.h"
#include "util/canon.h"
#include "util/hex.h"
#include "util/mem.h"

/* Bytes of SHA-256 that make a derived id (hex: twice as many characters). */
#define TX_DERIVED_ID_BYTES 16

bool chain__json_int(const cJSON *item, int64_t *out) {
    if (!cJSON_IsNumber(item)) return false;
    double d = item->valuedouble;
    /* 2^53: the integers every JSON reader (and canon_write_json) keeps exact. */
    if (!(d == floor(d)) || fabs(d) > 9007199254740992.0) return false;
    *out = (int64_t)d;
    return true;
}

void chain__detail(char *detail, size_t detail_len, const char *fmt, ...) {
    if (!detail || detail_len == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, detail_len, fmt, ap);
    va_end(ap);
}

/* True if the UTF-8 string s holds a C0 control, DEL or a C1 control
 * (U+0080..U+009F, encoded as 0xC2 0x80..0x9F). */
static bool tx__has_control(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; p[i]; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f) return true;
        if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) return true;
    }
    return false;
}

/* True if s[0..len) (valid UTF-8) begins or ends with a space or a
 * no-break space (U+00A0): what a reader cannot see. */
static bool tx__space_at_edge(const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s;
    if (p[0] == ' ' || p[len - 1] == ' ') return true;
    if (len >= 2 && ((p[0] == 0xc2 && p[1] == 0xa0) || (p[len - 2] == 0xc2 && p[len - 1] == 0xa0)))
        return true;
    return false;
}

reject tx_check_name(const char *name) {
    size_t len = strlen(name);
    if (len == 0) return REJ_TX_NAME_EMPTY;
    if (len > TX_NAME_MAX) return REJ_TX_NAME_LONG;
    if (!utf8_valid(name, len) || tx__has_control(name)) return REJ_TX_NAME_INVALID;
    if (tx__space_at_edge(name, len)) return REJ_TX_NAME_SPACE;
    return REJ_NONE;
}

static bool tx__id_ok(const char *id) {
    size_t len = strlen(id);
    if (len == 0 || len > TX_ID_MAX) return false;
    for (size_t i = 0; i < len; i++)
        if (id[i] < 0x20 || id[i] > 0x7e) return false;
    return true;
}

reject tx_check_fields(const char *sender, const char *receiver, int64_t amount,
                       const char *id) {
    if (!sender || !receiver || !id) return REJ_TX_MALFORMED;
    reject r = tx_check_name(sender);
    if (r == REJ_NONE) r = tx_check_name(receiver);
    if (r != REJ_NONE) return r;
    if (amount <= 0 || amount > TX_AMOUNT_MAX) return REJ_TX_AMOUNT;
    if (!tx__id_ok(id)) return REJ_TX_MALFORMED;
    return REJ_NONE;
}

static tx *tx__alloc(char *sender, char *receiver, char *id, int64_t amount,
                     int64_t timestamp_ms, buf *canon) {
    tx *t = xmalloc(sizeof *t);
    atomic_init(&t->refs, 1);
    t->sender = sender;
    t->receiver = receiver;
    t->id = id;
    t->amount = amount;
    t->timestamp_ms = timestamp_ms;
    t->canon = buf_detach(canon, &t->canon_len);
    return t;
}

tx *tx_create(const char *sender, const char *receiver, int64_t amount,
              const char *id, int64_t timestamp_ms, reject *why) {
    reject r = tx_check_fields(sender, receiver, amount, id);
    if (r == REJ_NONE && timestamp_ms < 0) r = REJ_TX_MALFORMED;
    if (r != REJ_NONE) {
        if (why) *why = r;
        return NULL;
    }
    buf canon;
    buf_init(&canon);
    buf_puts(&canon, "{\"amount\": ");
    canon_put_int(&canon, amount);
    /* The checks above guarantee valid UTF-8, so canon_put_str cannot fail. */
    buf_puts(&canon, ", \"id\": ");
    canon_put_str(&canon, id, strlen(id));
    buf_puts(&canon, ", \"receiver\": ");
    canon_put_str(&canon, receiver, strlen(receiver));
    buf_puts(&canon, ", \"sender\": ");
    canon_put_str(&canon, sender, strlen(sender));
    buf_puts(&canon, ", \"timestamp\": ");
    canon_put_int(&canon, timestamp_ms);
    buf_putc(&canon, '}');
    if (why) *why = REJ_NONE;
    return tx__alloc(xstrdup(sender), xstrdup(receiver), xstrdup(id), amount,
                     timestamp_ms, &canon);
}

/* Sets *why and the "field: message" detail; returns NULL for chaining. */
static tx *tx__fail(reject *why, reject r, char *detail, size_t detail_len,
                    const char *field, const char *msg) {
    if (why) *why = r;
    chain__detail(detail, detail_len, "%s: %s", field, msg);
    return NULL;
}

static tx *tx__from_json_strict(const cJSON *obj, reject *why, char *detail,
                                size_t detail_len) {
    static const char *const fields[] = {"amount", "id", "receiver", "sender", "timestamp"};
    const cJSON *val[5] = {0};
    for (const cJSON *c = obj->child; c; c = c->next) {
        size_t f = 0;
        while (f < 5 && strcmp(c->string, fields[f]) != 0) f++;
        if (f == 5)
            return tx__fail(why, REJ_TX_MALFORMED, detail, detail_len,
                            c->string, "unexpected field");
        if (val[f])
            return tx__fail(why, REJ_TX_MALFORMED, detail, detail_len,
                            c->string, "duplicate field");
        val[f] = c;
    }
    for (size_t f = 0; f < 5; f++)
        if (!val[f])
            return tx__fail(why, REJ_TX_MALFORMED, detail, detail_len,
                            fields[f], "missing");
    int64_t amount, timestamp_ms;
    if (!cJSON_IsNumber(val[0]))
        return tx__fail(why, REJ_TX_MALFORMED, detail, detail_len,
                        "amount", "expected an integer");
    if (!chain__json_int(val[0], &amount))
        return tx__fail(why, REJ_TX_AMOUNT, detail, detail_len,
                        "amount", "expected a whole number");
    for (size_t f = 1; f <= 3; f++)
        if (!cJSON_IsString(val[f]))
            return tx__fail(why, REJ_TX_MALFORMED, detail, detail_len,
                            fields[f], "expected a string");
    if (!chain__json_int(val[4], &timestamp_ms) || timestamp_ms < 0)
        return tx__fail(why, REJ_TX_MALFORMED, detail, detail_len,
                        "timestamp", "expected an integer >= 0");
    const char *id = val[1]->valuestring, *receiver = val[2]->valuestring,
               *sender = val[3]->valuestring;
    reject r = tx_check_fields(sender, receiver, amount, id);
    if (r != REJ_NONE) {
        if (why) *why = r;
        if (r == REJ_TX_AMOUNT)
            chain__detail(detail, detail_len, "amount: %s", reject_message(r));
        else if (r == REJ_TX_MALFORMED)
            chain__detail(detail, detail_len, "id: expected 1..%d printable ASCII characters",
                          TX_ID_MAX);
        else
            chain__detail(detail, detail_len, "%s: %s",
                          tx_check_name(sender) != REJ_NONE ? "sender" : "receiver",
                          reject_message(r));
        return NULL;
    }
    return tx_create(sender, receiver, amount, id, timestamp_ms, why);
}

/* A classic node's name may be a string or a number; a number is kept as its
 * decimal text. Returns a new string or NULL if the type is neither. */
static char *tx__open_name(const cJSON *item) {
    if (cJSON_IsString(item)) return xstrdup(item->valuestring);
    int64_t v;
    if (chain__json_int(item, &v)) {
        char tmp[24];
        snprintf(tmp, sizeof tmp, "%lld", (long long)v);
        return xstrdup(tmp);
    }
    return NULL;
}

static tx *tx__from_json_open(const cJSON *obj, reject *why, char *detail,
                              size_t detail_len) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(obj, "sender");
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(obj, "receiver");
    if (!r) r = cJSON_GetObjectItemCaseSensitive(obj, "recipient");
    if (!s) return tx__fail(why, REJ_TX_MALFORMED, detail, detail_len, "sender", "missing");
    if (!r) return tx__fail(why, REJ_TX_MALFORMED, detail, detail_len, "receiver", "missing");
    if (!cJSON_GetObjectItemCaseSensitive(obj, "amount"))
        return tx__fail(why, REJ_TX_MALFORMED, detail, detail_len, "amount", "missing");

    buf canon;
    buf_init(&canon);
    const cJSON *where = NULL;
    if (canon_write_json(&canon, obj, NULL, &where) != CS_OK) {
        buf_cleanup(&canon);
        const char *what = where && where->string ? where->string : "value";
        return tx__fail(why, REJ_TX_MALFORMED, detail, detail_len,
                        what, "not canonical JSON (a fraction, a huge number, bad UTF-8 "
                        "or a duplicate key)");
    }
    char *sender = tx__open_name(s), *receiver = tx__open_name(r);
    if (!sender || !receiver) {
        free(sender);
        free(receiver);
        buf_cleanup(&canon);
        return tx__fail(why, REJ_TX_MALFORMED, detail, detail_len,
                        !sender ? "sender" : r->string, "expected a string or an integer");
    }
    int64_t amount = 0, timestamp_ms = 0;
    chain__json_int(cJSON_GetObjectItemCaseSensitive(obj, "amount"), &amount);
    chain__json_int(cJSON_GetObjectItemCaseSensitive(obj, "timestamp"), &timestamp_ms);

    const cJSON *id_item = cJSON_GetObjectItemCaseSensitive(obj, "id");
    char *id;
    if (cJSON_IsString(id_item) && tx__id_ok(id_item->valuestring)) {
        id = xstrdup(id_item->valuestring);
    } else {
        uint8_t h[SHA256_LEN];
        sha256(h, canon.data, canon.len);
        id = xmalloc(2 * TX_DERIVED_ID_BYTES + 1);
        hex_encode(id, h, TX_DERIVED_ID_BYTES);
    }
    if (why) *why = REJ_NONE;
    return tx__alloc(sender, receiver, id, amount, timestamp_ms, &canon);
}

tx *tx_from_json(const cJSON *obj, ledger_rules rules, reject *why, char *detail,
                 size_t detail_len) {
    if (!cJSON_IsObject(obj)) {
        if (why) *why = REJ_TX_MALFORMED;
        chain__detail(detail, detail_len, "expected an object");
        return NULL;
    }
    if (rules == LEDGER_OPEN) return tx__from_json_open(obj, why, detail, detail_len);
    return tx__from_json_strict(obj, why, detail, detail_len);
}

tx *tx_ref(tx *t) {
    atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
    return t;
}

void tx_unref(tx *t) {
    if (!t) return;
    /* acq_rel: the last owner must see every other owner's reads finished. */
    if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1) return;
    free(t->sender);
    free(t->receiver);
    free(t->id);
    free(t->canon);
    free(t);
}
