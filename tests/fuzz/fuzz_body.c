/* fuzz_body.c - the bodies of the POST endpoints, through the functions the
 * handlers call (http__fields_parse, http__field_str, http__field_amount,
 * then the endpoint's own checks). The first byte picks the body kind (form,
 * JSON, empty, other) and the endpoint:
 *
 *   /add_transaction  sender, receiver, id, amount; tx_check_fields; what
 *                     passes must make a transaction (tx_create) whose
 *                     canonical bytes are strict JSON and keep the names
 *   /register_node    node / nodes (a URL string or a list of them), each
 *                     through remote_url_normalize
 *   /mine, /nodes/resolve   the body only (refused if malformed)
 *
 * A refusal always has a 4xx status, a code and a message. */
#include <cjson/cJSON.h>
#include <string.h>

#include "fuzz.h"
#include "http/http_int.h"
#include "http/remote.h"
#include "util/canon.h"
#include "util/json_strict.h"

static void fuzz__add_tx(const http__fields *f) {
    char why[160] = "";
    const char *sender = NULL, *receiver = NULL, *id = NULL;
    int64_t amount = 0;
    bool has_amount = false;
    if (!http__field_str(f, "sender", &sender, why, sizeof why) ||
        !http__field_str(f, "receiver", &receiver, why, sizeof why) ||
        !http__field_str(f, "id", &id, why, sizeof why) ||
        !http__field_amount(f, &amount, &has_amount, why, sizeof why)) {
        FUZZ_CHECK(why[0] != '\0', "a field refused without a reason");
        return;
    }
    if (!sender || !receiver || !has_amount) return; /* missing_field */
    if (tx_check_fields(sender, receiver, amount, id ? id : "x") != REJ_NONE) return;
    reject r = REJ_NONE;
    tx *t = tx_create(sender, receiver, amount, id ? id : "fuzz-id", 0, &r);
    FUZZ_CHECK(t != NULL, "fields that passed the checks make no transaction (%s)", reject_code(r));
    json_strict_error err;
    cJSON *back = json_strict_parse(t->canon, t->canon_len, JSON_STRICT_EXACT_INTEGERS, &err);
    FUZZ_CHECK(back != NULL, "a transaction's canonical bytes are not strict JSON: %s", t->canon);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(back, "sender");
    FUZZ_CHECK(cJSON_IsString(s) && strcmp(s->valuestring, sender) == 0,
               "the sender changed on the way to the transaction");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(back, "amount");
    FUZZ_CHECK(cJSON_IsNumber(a) && (int64_t)a->valuedouble == amount, "the amount changed");
    cJSON_Delete(back);
    tx_unref(t);
}

static void fuzz__register(const http__fields *f) {
    const char *urls[64];
    size_t n = 0;
    if (f->json) {
        const cJSON *one = cJSON_GetObjectItemCaseSensitive(f->json, "node");
        const cJSON *many = cJSON_GetObjectItemCaseSensitive(f->json, "nodes");
        if (cJSON_IsString(one)) urls[n++] = one->valuestring;
        const cJSON *it;
        if (cJSON_IsArray(many)) cJSON_ArrayForEach(it, many) {
            if (!cJSON_IsString(it) || n == 64) break;
            urls[n++] = it->valuestring;
        }
    } else {
        for (size_t i = 0; i < f->form.n && n < 64; i++)
            if (strcmp(f->form.keys[i], "node") == 0 || strcmp(f->form.keys[i], "nodes") == 0)
                urls[n++] = f->form.vals[i];
    }
    for (size_t i = 0; i < n; i++) {
        char norm[512];
        const char *why = NULL;
        if (!remote_url_normalize(norm, sizeof norm, urls[i], &why)) {
            FUZZ_CHECK(why && why[0], "a URL refused without a reason");
            continue;
        }
        FUZZ_CHECK(strncmp(norm, "http://", 7) == 0 || strncmp(norm, "https://", 8) == 0,
                   "a normalised URL without a scheme: %s", norm);
        FUZZ_CHECK(utf8_valid(norm, strlen(norm)), "a normalised URL that is not UTF-8");
        char twice[512];
        FUZZ_CHECK(remote_url_normalize(twice, sizeof twice, norm, &why) && strcmp(twice, norm) == 0,
                   "normalising is not idempotent: %s", norm);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    static const http__body_kind kinds[] = {HTTP_BODY_FORM, HTTP_BODY_JSON, HTTP_BODY_NONE,
                                            HTTP_BODY_OTHER};
    http__body_kind kind = kinds[data[0] & 3];
    int endpoint = (data[0] >> 2) % 3;
    http__fields f;
    http__body_error e;
    bool ok = http__fields_parse(&f, kind, (const char *)data + 1, size - 1, &e);
    if (!ok) {
        FUZZ_CHECK(e.status >= 400 && e.status < 500 && e.code && e.code[0] && e.message[0],
                   "a refusal without status %u, code or message", e.status);
    } else {
        FUZZ_CHECK(kind != HTTP_BODY_JSON || cJSON_IsObject(f.json), "a JSON body that is no object");
        if (endpoint == 0) fuzz__add_tx(&f);
        else if (endpoint == 1) fuzz__register(&f);
    }
    http__fields_cleanup(&f);
    return 0;
}
