#include "node/cmd.h"

#include <stdlib.h>

#include "util/mem.h"

node_cmd *node_cmd_new(node_cmd_kind kind) {
    node_cmd *c = xcalloc(1, sizeof *c);
    c->kind = kind;
    c->peer = -1;
    return c;
}

void node_cmd_free(node_cmd *cmd) {
    if (!cmd) return;
    free(cmd->from);
    free(cmd->to);
    free(cmd->id);
    free(cmd->peers);
    tx_unref(cmd->tx);
    block_unref(cmd->sealed);
    for (size_t i = 0; i < cmd->n_txs; i++) tx_unref(cmd->txs[i]);
    free(cmd->txs);
    free(cmd);
}

const char *node_cmd_strerror(node_cmd_status status) {
    switch (status) {
    case CMD_RAN: return "ran";
    case CMD_STOPPED: return "the simulation stopped";
    }
    return "?";
}

const char *node_cmd_name(node_cmd_kind kind) {
    switch (kind) {
    case CMD_ADD_TX: return "add_tx";
    case CMD_GEN_TX: return "gen_tx";
    case CMD_MINE: return "mine";
    case CMD_REGISTER: return "register";
    case CMD_RESOLVE: return "resolve";
    case CMD_CRASH: return "crash";
    case CMD_RESTART: return "restart";
    case CMD_SET_HASH_POWER: return "hash_power";
    case CMD_INSPECT: return "inspect";
    case CMD_SEALED: return "sealed";
    }
    return "?";
}
