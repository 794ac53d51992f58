/* test_canon.c - src/util/canon.c against Python's json.dumps(obj, sort_keys=True).
 *
 * Every expected string below was written by hand from the rules in canon.h
 * and double-checked against CPython 3 (json.dumps with sort_keys=True); they
 * are literal bytes here so the test needs no Python. */
#include <cjson/cJSON.h>
#include <stdint.h>

#include "check.h"
#include "util/canon.h"

/* Canonical form of a JSON text, or NULL (and *err set) on failure. The
 * result is a static buffer, valid until the next call. */
static const char *canon_of(const char *json, const char *skip, cs_err *err) {
    static buf out;
    buf_cleanup(&out);
    cJSON *item = cJSON_Parse(json);
    if (!item) {
        *err = CS_EPARSE;
        return NULL;
    }
    *err = canon_write_json(&out, item, skip, NULL);
    cJSON_Delete(item);
    return *err == CS_OK ? out.data : NULL;
}

static const char *str_of(const char *s, size_t len, cs_err *err) {
    static buf out;
    buf_cleanup(&out);
    buf_init(&out);
    *err = canon_put_str(&out, s, len);
    return out.data ? out.data : "";
}

static void test_utf8_valid(void) {
    CHECK(utf8_valid("", 0));
    CHECK(utf8_valid("plain", 5));
    CHECK(utf8_valid("\xc3\xa9", 2));             /* U+00E9 */
    CHECK(utf8_valid("\xe2\x82\xac", 3));         /* U+20AC */
    CHECK(utf8_valid("\xef\xbf\xbf", 3));         /* U+FFFF */
    CHECK(utf8_valid("\xf0\x9f\x98\x80", 4));     /* U+1F600 */
    CHECK(utf8_valid("\xf4\x8f\xbf\xbf", 4));     /* U+10FFFF */
    CHECK(!utf8_valid("\x80", 1));                /* lone continuation */
    CHECK(!utf8_valid("\xc3", 1));                /* truncated */
    CHECK(!utf8_valid("\xc3\x28", 2));            /* bad continuation */
    CHECK(!utf8_valid("\xc0\x80", 2));            /* overlong NUL */
    CHECK(!utf8_valid("\xe0\x80\xaf", 3));        /* overlong '/' */
    CHECK(!utf8_valid("\xed\xa0\x80", 3));        /* surrogate U+D800 */
    CHECK(!utf8_valid("\xf4\x90\x80\x80", 4));    /* U+110000 */
    CHECK(!utf8_valid("\xf8\x88\x80\x80\x80", 5)); /* 5-byte form */
    CHECK(!utf8_valid("\xff", 1));
    CHECK(utf8_valid("a\0b", 3)); /* NUL is a code point */
}

static void test_utf8_count(void) {
    CHECK_INT_EQ(utf8_count("", 0), 0);
    CHECK_INT_EQ(utf8_count("abc", 3), 3);
    CHECK_INT_EQ(utf8_count("Zo\xc3\xab", 4), 3);
    CHECK_INT_EQ(utf8_count("\xf0\x9f\x98\x80!", 5), 2);
}

static void test_str_escapes(void) {
    cs_err err;
    CHECK_STR_EQ(str_of("", 0, &err), "\"\"");
    CHECK_STR_EQ(str_of("\xc3\xa9", 2, &err), "\"\\u00e9\"");
    CHECK_STR_EQ(str_of("\xf0\x9f\x98\x80", 4, &err), "\"\\ud83d\\ude00\"");
    CHECK_STR_EQ(str_of("\xf4\x8f\xbf\xbf", 4, &err), "\"\\udbff\\udfff\"");
    CHECK_STR_EQ(str_of("\xef\xbf\xbf", 3, &err), "\"\\uffff\"");
    CHECK_STR_EQ(str_of("\x01", 1, &err), "\"\\u0001\"");
    CHECK_STR_EQ(str_of("\x1f ~", 3, &err), "\"\\u001f ~\"");
    CHECK_STR_EQ(str_of("\x7f", 1, &err), "\"\\u007f\""); /* DEL is outside ' '..'~' */
    CHECK_STR_EQ(str_of("a\0b", 3, &err), "\"a\\u0000b\"");
    CHECK_STR_EQ(str_of("\n\r\t\b\f", 5, &err), "\"\\n\\r\\t\\b\\f\"");
    CHECK_STR_EQ(str_of("a\"b\\c/d", 7, &err), "\"a\\\"b\\\\c/d\""); /* '/' is not escaped */
    CHECK_INT_EQ(err, CS_OK);
}

static void test_str_rejects_bad_utf8(void) {
    buf out;
    buf_init(&out);
    buf_puts(&out, "keep");
    CHECK_INT_EQ(canon_put_str(&out, "ok\xc3", 3), CS_EINVAL);
    CHECK_INT_EQ(canon_put_str(&out, "\xed\xa0\x80", 3), CS_EINVAL);
    CHECK_STR_EQ(out.data, "keep"); /* nothing appended */
    buf_cleanup(&out);
}

static void test_ints(void) {
    buf out;
    buf_init(&out);
    canon_put_int(&out, 0);
    buf_putc(&out, ' ');
    canon_put_int(&out, -1);
    buf_putc(&out, ' ');
    canon_put_int(&out, INT64_MIN);
    buf_putc(&out, ' ');
    canon_put_int(&out, INT64_MAX);
    buf_putc(&out, ' ');
    canon_put_uint(&out, UINT64_MAX);
    buf_putc(&out, ' ');
    canon_put_uint(&out, 1000);
    CHECK_STR_EQ(out.data, "0 -1 -9223372036854775808 9223372036854775807 "
                           "18446744073709551615 1000");
    buf_cleanup(&out);
}

static void test_scalars_and_empties(void) {
    cs_err err;
    CHECK_STR_EQ(canon_of("true", NULL, &err), "true");
    CHECK_STR_EQ(canon_of("false", NULL, &err), "false");
    CHECK_STR_EQ(canon_of("null", NULL, &err), "null");
    CHECK_STR_EQ(canon_of("-5", NULL, &err), "-5");
    CHECK_STR_EQ(canon_of("-9007199254740992", NULL, &err), "-9007199254740992");
    CHECK_STR_EQ(canon_of("9007199254740992", NULL, &err), "9007199254740992");
    CHECK_STR_EQ(canon_of("{}", NULL, &err), "{}");
    CHECK_STR_EQ(canon_of("[]", NULL, &err), "[]");
    CHECK_STR_EQ(canon_of("[[],{},[{}]]", NULL, &err), "[[], {}, [{}]]");
    CHECK_STR_EQ(canon_of("\"\\u00E9\"", NULL, &err), "\"\\u00e9\""); /* lowercase hex */
}

static void test_nested_sorted_recursively(void) {
    cs_err err;
    CHECK_STR_EQ(canon_of("{\"b\":[3,{\"z\":1,\"a\":null}],\"a\":{\"y\":true,\"x\":false}}",
                          NULL, &err),
                 "{\"a\": {\"x\": false, \"y\": true}, \"b\": [3, {\"a\": null, \"z\": 1}]}");
    /* Arrays keep their order; only object members are sorted. */
    CHECK_STR_EQ(canon_of("[3,1,2]", NULL, &err), "[3, 1, 2]");
}

static void test_key_order_code_points(void) {
    cs_err err;
    /* Code point order: "" < "Z" < "a" < "aa" < "z" < U+00E9 < U+FFFF < U+1F600.
     * (UTF-16 order would put the emoji's surrogates before U+FFFF.) */
    const char *in = "{\"\xc3\xa9\": 1, \"z\": 2, \"Z\": 3, \"a\": 4, \"aa\": 5, \"\": 6, "
                     "\"\xf0\x9f\x98\x80\": 7, \"\xef\xbf\xbf\": 8}";
    CHECK_STR_EQ(canon_of(in, NULL, &err),
                 "{\"\": 6, \"Z\": 3, \"a\": 4, \"aa\": 5, \"z\": 2, \"\\u00e9\": 1, "
                 "\"\\uffff\": 8, \"\\ud83d\\ude00\": 7}");
}

static void test_mixed_vector(void) {
    cs_err err;
    const char *in = "{\"name\": \"Zo\xc3\xab\", \"emoji\": \"hi \xf0\x9f\x98\x80!\", "
                     "\"ctl\": \"a\\u0001b\\u001fc\\n\", \"n\": [-1, 0, 1, 9007199254740992], "
                     "\"a\\\"b\": \"x\\\\y\"}";
    CHECK_STR_EQ(canon_of(in, NULL, &err),
                 "{\"a\\\"b\": \"x\\\\y\", \"ctl\": \"a\\u0001b\\u001fc\\n\", "
                 "\"emoji\": \"hi \\ud83d\\ude00!\", \"n\": [-1, 0, 1, 9007199254740992], "
                 "\"name\": \"Zo\\u00eb\"}");
}

static void test_skip_key_top_level_only(void) {
    cs_err err;
    CHECK_STR_EQ(canon_of("{\"hash\": \"x\", \"b\": {\"hash\": 1}}", "hash", &err),
                 "{\"b\": {\"hash\": 1}}");
    CHECK_STR_EQ(canon_of("{\"hash\": \"x\", \"b\": {\"hash\": 1}}", NULL, &err),
                 "{\"b\": {\"hash\": 1}, \"hash\": \"x\"}");
    CHECK_STR_EQ(canon_of("{\"hash\": \"x\"}", "hash", &err), "{}");
}

static void test_rejects_floats(void) {
    cs_err err;
    CHECK(canon_of("1.5", NULL, &err) == NULL);
    CHECK_INT_EQ(err, CS_EINVAL);
    CHECK(canon_of("{\"a\": [1, -0.25]}", NULL, &err) == NULL);
    CHECK_INT_EQ(err, CS_EINVAL);
    CHECK(canon_of("1e300", NULL, &err) == NULL); /* integral but beyond 2^53 */
    CHECK_INT_EQ(err, CS_EINVAL);
    CHECK(canon_of("9007199254740994", NULL, &err) == NULL); /* 2^53 + 2 */
    CHECK_INT_EQ(err, CS_EINVAL);
}

static void test_rejects_bad_utf8_and_points_at_it(void) {
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddStringToObject(obj, "good", "fine");
    cJSON *bad = cJSON_AddStringToObject(obj, "bad", "x\xc3");
    buf out;
    buf_init(&out);
    const cJSON *where = NULL;
    CHECK_INT_EQ(canon_write_json(&out, obj, NULL, &where), CS_EINVAL);
    CHECK(where == bad);
    cJSON_Delete(obj);

    /* A key that is not UTF-8. */
    obj = cJSON_CreateObject();
    cJSON_AddNumberToObject(obj, "k\xff", 1);
    buf_reset(&out);
    CHECK_INT_EQ(canon_write_json(&out, obj, NULL, &where), CS_EINVAL);
    CHECK_STR_EQ(where->string, "k\xff");
    cJSON_Delete(obj);
    buf_cleanup(&out);
}

static void test_rejects_duplicate_keys(void) {
    cJSON *obj = cJSON_Parse("{\"b\": 0, \"a\": 1, \"a\": 2}");
    CHECK(obj != NULL);
    buf out;
    buf_init(&out);
    const cJSON *where = NULL;
    CHECK_INT_EQ(canon_write_json(&out, obj, NULL, &where), CS_EINVAL);
    CHECK_STR_EQ(where->string, "a");
    cJSON_Delete(obj);
    /* Nested duplicates too. */
    obj = cJSON_Parse("{\"x\": [{\"k\": 1, \"k\": 1}]}");
    buf_reset(&out);
    CHECK_INT_EQ(canon_write_json(&out, obj, NULL, &where), CS_EINVAL);
    cJSON_Delete(obj);
    buf_cleanup(&out);
}

static const test_case cases[] = {
    TEST(test_utf8_valid),
    TEST(test_utf8_count),
    TEST(test_str_escapes),
    TEST(test_str_rejects_bad_utf8),
    TEST(test_ints),
    TEST(test_scalars_and_empties),
    TEST(test_nested_sorted_recursively),
    TEST(test_key_order_code_points),
    TEST(test_mixed_vector),
    TEST(test_skip_key_top_level_only),
    TEST(test_rejects_floats),
    TEST(test_rejects_bad_utf8_and_points_at_it),
    TEST(test_rejects_duplicate_keys),
    {0},
};

TEST_MAIN(cases)
