/* test_json_strict.c - the RFC 8259 checker (util/json_strict): a table of
 * texts cJSON reads loosely, each refused at its byte with its reason; a
 * table of texts that pass, each read by cJSON exactly as written; the
 * flag for exact integers; NULL + 0 without undefined behaviour. */
#include <cjson/cJSON.h>

#include "check.h"
#include "util/canon.h"
#include "util/json_strict.h"
#include "util/jpath.h"
#include "scenario/scenario.h"

typedef struct refusal {
    const char *text;
    size_t len;          /* 0: strlen(text) */
    unsigned flags;
    size_t offset;
    const char *reason;  /* a part of the message */
} refusal;

#define T(s) s, sizeof(s) - 1
static const refusal refusals[] = {
    {T("{\"sender\": \"alice\\u0000evil\"}"), 0, 17, "\\u0000 (NUL)"},
    {T("{\"a\": \"x\\u12g4y\"}"), 0, 8, "four hexadecimal digits"},
    {T("\"\\x41\""), 0, 1, "\\x is not a JSON escape"},
    {T("\"\\ud800\""), 0, 1, "high surrogate without a low one"},
    {T("\"\\ud800\\u0041\""), 0, 1, "high surrogate without a low one"},
    {T("\"\\udc00\\ud800\""), 0, 1, "low surrogate without a high one"},
    {T("\"a\tb\""), 0, 2, "raw control character 0x09"},
    {T("\"a\nb\""), 0, 2, "raw control character 0x0a"},
    {T("\"a\0b\""), 0, 2, "raw control character 0x00"},
    {T("\"al\xff\""), 0, 3, "not valid UTF-8"},
    {T("\"\xc0\xaf\""), 0, 1, "not valid UTF-8"},          /* overlong '/' */
    {T("\"\xed\xa0\x80\""), 0, 1, "not valid UTF-8"},      /* a surrogate in UTF-8 */
    {T("\"\xf4\x90\x80\x80\""), 0, 1, "not valid UTF-8"},  /* past U+10FFFF */
    {T("\"\xe2\x82\""), 0, 1, "not valid UTF-8"},          /* cut short */
    {T("\xef\xbb\xbf{}"), 0, 0, "byte order mark"},
    {T("01"), 0, 0, "does not start with 0"},
    {T("-01"), 0, 0, "does not start with 0"},
    {T("1."), 0, 0, "decimal point must be followed"},
    {T("1.e5"), 0, 0, "decimal point must be followed"},
    {T(".5"), 0, 0, "unexpected character '.'"},
    {T("+1"), 0, 0, "unexpected character '+'"},
    {T("-"), 0, 0, "digit after its minus"},
    {T("1e"), 0, 0, "exponent needs digits"},
    {T("[1e+]"), 0, 1, "exponent needs digits"},
    {T("9007199254740993"), 0, 0, "beyond +-2^53"},
    {T("-9007199254740993"), 0, 0, "beyond +-2^53"},
    {T("[1, 100000000000000000000]"), 0, 4, "beyond +-2^53"},
    {T("1e400"), 0, 0, "beyond the range of a double"},
    {T("-1e400"), 0, 0, "beyond the range of a double"},
    {T("0.0000000000000000000000000000000000000000000000000000000000000001"), 0, 0,
     "longer than 63"},
    {T("{\"amount\": 5.0}"), JSON_STRICT_EXACT_INTEGERS, 11, "whole number written with a fraction"},
    {T("[1e3]"), JSON_STRICT_EXACT_INTEGERS, 1, "whole number written"},
    {T("[-0.0]"), JSON_STRICT_EXACT_INTEGERS, 1, "whole number written"},
    {T("[1e-400]"), JSON_STRICT_EXACT_INTEGERS, 1, "whole number written"},
    {T("{\"a\": 1, \"a\": 2}"), 0, 9, "appears twice"},
    {T("{\"a\": 1, \"\\u0061\": 2}"), 0, 9, "appears twice"},
    {T("{\"x\": {\"\": 1, \"\": 2}}"), 0, 14, "appears twice"},
    {T("{\"sender\": \"alice\"} trailing"), 0, 20, "more text follows"},
    {T("{} {}"), 0, 3, "more text follows"},
    {T("[1]]"), 0, 3, "more text follows"},
    {T("{}\0"), 0, 2, "more text follows"},
    {T(""), 0, 0, "no JSON value"},
    {T(" \n\t"), 0, 3, "no JSON value"},
    {T("{\"sender\": \"alice\", \"rec"), 0, 20, "string is not closed"},
    {T("[1, 2"), 0, 5, "ends where ',' or ']'"},
    {T("[1,]"), 0, 3, "unexpected character ']' where a value"},
    {T("{\"a\" 1}"), 0, 5, "where ':'"},
    {T("{\"a\": 1,}"), 0, 8, "a key (a string)"},
    {T("{'a': 1}"), 0, 1, "a key (a string)"},
    {T("[tru]"), 0, 1, "'true'"},
    {T("[nul"), 0, 1, "'null'"},
    {T("NaN"), 0, 0, "unexpected character 'N'"},
    {T("[\x0b]"), 0, 1, "unexpected byte 0x0b"},
    {T("\"\\"), 0, 1, "ends inside an escape"},
    {T("\"abc\\\""), 0, 0, "string is not closed"},
};

static void test_refusals(void) {
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        const refusal *c = &refusals[i];
        json_strict_error err = {0};
        bool ok = json_strict_check(c->text, c->len, c->flags, &err);
        if (ok || err.offset != c->offset || !strstr(err.message, c->reason))
            CHECK_FAIL_("case %zu (%.40s): %s, offset %zu (expected %zu), \"%s\" (expected \"%s\")", i,
                        c->text, ok ? "accepted" : "refused", err.offset, c->offset, err.message,
                        c->reason);
        /* json_strict_parse refuses the same, with the same reason. */
        json_strict_error err2 = {0};
        CHECK(json_strict_parse(c->text, c->len, c->flags, &err2) == NULL);
        CHECK_STR_EQ(err2.message, err.message);
    }
}

/* The texts that pass, and that cJSON then reads exactly as written. */
static void test_accepted_read_exactly(void) {
    static const char *const ok[] = {
        "{}", "[]", " [ ] ", "0", "-0", "true", "false", "null", "\"\"", "1.5", "-2.25e-3", "1E2",
        "9007199254740992", "-9007199254740992", "{\"a\": [1, {\"b\": null}], \"c\": \"\\u00e9\"}",
        "\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80 caf\xc3\xa9\"", "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"",
        "{\"a\": 1, \"A\": 2, \"\\u0062\": 3, \"b \": 4}", "\r\n{\"x\": 1}\r\n",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        json_strict_error err = {0};
        if (!json_strict_check(ok[i], strlen(ok[i]), JSON_STRICT_DEFAULT, &err))
            CHECK_FAIL_("case %zu (%s) refused: %s at %zu", i, ok[i], err.message, err.offset);
    }
    /* Exact: the whole string (no cut), the exact integer, the decoded pair. */
    cJSON *o = json_strict_parse(T("{\"s\": \"a\\u00e9b\", \"n\": 9007199254740992, \"e\": \"\\ud83d\\ude00\"}"),
                                 JSON_STRICT_EXACT_INTEGERS, NULL);
    CHECK(o != NULL);
    CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(o, "s")->valuestring, "a\xc3\xa9" "b");
    CHECK(cJSON_GetObjectItemCaseSensitive(o, "n")->valuedouble == 9007199254740992.0);
    CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(o, "e")->valuestring, "\xf0\x9f\x98\x80");
    cJSON_Delete(o);
    /* Non-whole numbers pass the exact-integer rule (the schema decides). */
    CHECK(json_strict_check(T("[1.5, 0.1, -3e-2]"), JSON_STRICT_EXACT_INTEGERS, NULL));
    /* Without the flag, 5.0 is just a number (a scenario's rate). */
    CHECK(json_strict_check(T("{\"rate\": 1.0, \"n\": 1e3}"), JSON_STRICT_DEFAULT, NULL));
}

/* The depth limit holds, and is reached without refusing what is below it. */
static void test_depth(void) {
    char deep[2 * JSON_STRICT_MAX_DEPTH + 4];
    size_t n = 0;
    for (int i = 0; i < JSON_STRICT_MAX_DEPTH; i++) deep[n++] = '[';
    for (int i = 0; i < JSON_STRICT_MAX_DEPTH; i++) deep[n++] = ']';
    CHECK(json_strict_check(deep, n, 0, NULL));
    char deeper[2 * JSON_STRICT_MAX_DEPTH + 4];
    n = 0;
    for (int i = 0; i <= JSON_STRICT_MAX_DEPTH; i++) deeper[n++] = '[';
    for (int i = 0; i <= JSON_STRICT_MAX_DEPTH; i++) deeper[n++] = ']';
    json_strict_error err = {0};
    CHECK(!json_strict_check(deeper, n, 0, &err));
    CHECK_INT_EQ(err.offset, JSON_STRICT_MAX_DEPTH);
    CHECK(strstr(err.message, "nest deeper") != NULL);
}

/* An empty relay body arrives as (NULL, 0): refused, no pointer arithmetic. */
static void test_null_empty(void) {
    json_strict_error err = {0};
    CHECK(!json_strict_check(NULL, 0, JSON_STRICT_EXACT_INTEGERS, &err));
    CHECK_INT_EQ(err.offset, 0);
    CHECK(strstr(err.message, "no JSON value") != NULL);
    CHECK(json_strict_parse(NULL, 0, 0, NULL) == NULL);
    char d[200];
    CHECK_STR_EQ(json_strict_describe(&err, d, sizeof d), "the text holds no JSON value at byte 0");
}

/* Messages quote user strings without cutting a character or passing bad
 * bytes on (they end up in JSON replies, which must be UTF-8). */
static void test_quote_keeps_utf8(void) {
    char q[JPATH_QUOTE_BUF];
    /* 47 ASCII bytes then a 2-byte character across the 48-byte cut. */
    char s[64];
    memset(s, 'a', 47);
    memcpy(s + 47, "\xc3\xa9xyz", 6);
    jpath_quote(q, sizeof q, s);
    CHECK(utf8_valid(q, strlen(q)));
    CHECK(strstr(q, "\xc3\xa9...") != NULL || strstr(q, "a...") != NULL);
    jpath_quote(q, sizeof q, "al\xff\xc3(x");
    CHECK_STR_EQ(q, "al\\xff\\xc3(x");
}

/* Scenario files pass the check too, with the line and column of the
 * problem; what cJSON alone would accept is refused. */
static void test_scenario_file(void) {
    static const struct { const char *text, *msg; } bad[] = {
        {"{\"name\": \"x\", \"nodes\": [{\"name\": \"a\\u0000b\"}]}",
         "s.json:1:36: a string holds \\u0000 (NUL), which would cut it short"},
        {"{\"name\": \"x\",\n \"nodes\": 3, \"nodes\": 4}", "s.json: $.nodes: duplicate field"},
        {"{\"name\": \"x\", \"nodes\": 01}", "s.json:1:24: a number does not start with 0 unless it is 0 (01)"},
        {"{\"name\": \"x\", \"seed\": 9007199254740993}",
         "s.json:1:23: the integer 9007199254740993 is beyond +-2^53 and cannot be kept exactly"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        scenario scn;
        char msg[300] = "";
        CHECK(scenario_parse(&scn, "s.json", bad[i].text, strlen(bad[i].text), msg, sizeof msg) != CS_OK);
        CHECK_STR_EQ(msg, bad[i].msg);
    }
    /* A rate written 1.0 is still a rate. */
    scenario scn;
    char msg[300] = "";
    const char *ok = "{\"name\": \"x\", \"nodes\": 2, \"chain\": {\"block_interval_s\": 10.0}}";
    CHECK_INT_EQ(scenario_parse(&scn, "s.json", ok, strlen(ok), msg, sizeof msg), CS_OK);
    scenario_cleanup(&scn);
}

static const test_case cases[] = {
    TEST(test_refusals),
    TEST(test_accepted_read_exactly),
    TEST(test_depth),
    TEST(test_null_empty),
    TEST(test_quote_keeps_utf8),
    TEST(test_scenario_file),
    {0},
};

TEST_MAIN(cases)
