#include "util/err.h"

/* A switch with no default: adding an enum value without a message is a
 * compiler warning (-Wswitch), which CI turns into an error. */
const char *cs_strerror(cs_err err) {
    switch (err) {
    case CS_OK: return "success";
    case CS_EINVAL: return "invalid value";
    case CS_EPARSE: return "malformed text";
    case CS_ERANGE: return "number out of range";
    case CS_EIO: return "input/output error";
    case CS_ENOTFOUND: return "not found";
    case CS_EEXIST: return "already exists";
    case CS_EFULL: return "queue or pool is full";
    case CS_ECLOSED: return "closed";
    case CS_ETIMEDOUT: return "timed out";
    case CS_EUNSUPPORTED: return "not supported in this mode";
    }
    return "unknown error";
}
