/* scenario_default.c - the scenario `chainsim` runs when given no file.
 *
 * Meant to be watched in the window: eight named nodes on a sparse random
 * network mine on their own (difficulty 12 seals a block in a moment, one
 * block every 10 s on average) while users send a transaction every two
 * seconds. At 60 s the network splits in halves and each half grows its own
 * branch; at 120 s it heals, and the next block pulls everyone onto the
 * heavier branch. From 220 s alice mines alone, with the whole network's
 * hash power: one miner cannot race itself, so a tie the others left open
 * is broken; at 290 s she stops too, so the last block has spread when the
 * run ends at 300 s and the nodes agree whatever the seed. The format is the one of scenarios/ files
 * (docs/scenarios.md); test_scenario checks that this text parses. */
#include "scenario/scenario.h"

const char scenario_default_json[] =
    "{\n"
    "  \"name\": \"default\",\n"
    "  \"description\": \"Eight nodes mine and trade on a sparse random network; "
    "at 60 s it splits in halves, at 120 s it heals and the nodes converge.\",\n"
    "  \"nodes\": [\n"
    "    {\"name\": \"alice\"}, {\"name\": \"bob\"}, {\"name\": \"carol\"}, {\"name\": \"dave\"},\n"
    "    {\"name\": \"erin\"}, {\"name\": \"frank\"}, {\"name\": \"grace\"}, {\"name\": \"heidi\"}\n"
    "  ],\n"
    "  \"topology\": {\"type\": \"random\", \"k\": 2},\n"
    "  \"links\": {\"latency_ms\": {\"min\": 40, \"max\": 200}},\n"
    "  \"chain\": {\n"
    "    \"difficulty\": 12,\n"
    "    \"block_interval_s\": 10,\n"
    "    \"genesis\": {\"balances\": {\"alice\": 1000, \"bob\": 500, \"carol\": 250, \"erin\": 100}}\n"
    "  },\n"
    "  \"mining\": \"auto\",\n"
    "  \"traffic\": {\"tx_per_s\": 0.5},\n"
    "  \"duration_s\": 300,\n"
    "  \"events\": [\n"
    "    {\"at\": 60, \"do\": \"partition\", \"halves\": true,\n"
    "     \"note\": \"alice, bob, carol, dave | erin, frank, grace, heidi\"},\n"
    "    {\"at\": 120, \"do\": \"heal\", \"note\": \"the halves meet again\"},\n"
    "    {\"at\": 220, \"do\": \"hash_power\", \"value\": 0,\n"
    "     \"note\": \"the end game: alice mines alone and breaks any tie\"},\n"
    "    {\"at\": 220, \"do\": \"hash_power\", \"node\": \"alice\", \"value\": 8},\n"
    "    {\"at\": 290, \"do\": \"hash_power\", \"value\": 0,\n"
    "     \"note\": \"alice stops too: the last block spreads\"}\n"
    "  ],\n"
    "  \"expect\": {\"converged\": true}\n"
    "}\n";
