/* test_names.c - one rule for names (tx_check_name), wherever a name comes
 * from: the rule's table, a transaction from a peer, a scenario file's node
 * and account names. (Forms and JSON bodies: test_http's battery.) */
#include "check.h"
#include "chain/tx.h"
#include "scenario/scenario.h"

static void test_rule(void) {
    static const struct { const char *name; reject want; } cases[] = {
        {"alice", REJ_NONE},
        {"carol c", REJ_NONE},           /* a space inside is a name */
        {"caf\xc3\xa9", REJ_NONE},
        {"", REJ_TX_NAME_EMPTY},
        {" ", REJ_TX_NAME_SPACE},
        {"   ", REJ_TX_NAME_SPACE},
        {" alice", REJ_TX_NAME_SPACE},
        {"alice ", REJ_TX_NAME_SPACE},
        {"\xc2\xa0" "alice", REJ_TX_NAME_SPACE},
        {"alice\xc2\xa0", REJ_TX_NAME_SPACE},
        {"\xc2\xa0", REJ_TX_NAME_SPACE},
        {"al\tice", REJ_TX_NAME_INVALID},
        {"alice\n", REJ_TX_NAME_INVALID},
        {"al\xff", REJ_TX_NAME_INVALID},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", REJ_TX_NAME_LONG}, /* 65 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (tx_check_name(cases[i].name) != cases[i].want)
            CHECK_FAIL_("case %zu (\"%s\"): %s, expected %s", i, cases[i].name,
                        reject_code(tx_check_name(cases[i].name)), reject_code(cases[i].want));
    CHECK_INT_EQ(tx_check_fields("alice", " ", 1, "id"), REJ_TX_NAME_SPACE);
    reject why = REJ_NONE;
    CHECK(tx_create(" ", "bob", 1, "id", 0, &why) == NULL);
    CHECK_INT_EQ(why, REJ_TX_NAME_SPACE);
}

static void test_scenario_names(void) {
    static const struct { const char *text, *msg; } bad[] = {
        {"{\"name\": \"x\", \"nodes\": [{\"name\": \"   \"}]}",
         "s.json: $.nodes[0].name: name begins or ends with white space"},
        {"{\"name\": \"x\", \"nodes\": [{\"name\": \"a\"}, {\"name\": \"a \"}]}",
         "s.json: $.nodes[1].name: name begins or ends with white space"},
        {"{\"name\": \"x\", \"nodes\": 2, \"chain\": {\"genesis\": {\"balances\": {\" bob\": 5}}}}",
         "s.json: $.chain.genesis.balances[\" bob\"]: name begins or ends with white space"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        scenario scn;
        char msg[300] = "";
        CHECK(scenario_parse(&scn, "s.json", bad[i].text, strlen(bad[i].text), msg, sizeof msg) != CS_OK);
        CHECK_STR_EQ(msg, bad[i].msg);
    }
}

static const test_case cases[] = {
    TEST(test_rule),
    TEST(test_scenario_names),
    {0},
};

TEST_MAIN(cases)
