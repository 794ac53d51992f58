/* err.h - the one error type of chainsim and its message.
 *
 * Functions that can fail because of their input return a cs_err; the
 * message a user sees comes from cs_strerror() plus a detail the caller adds
 * (a JSON path, a file name). Out-of-memory is not an error value: the
 * allocation wrappers in mem.h abort, as a simulator cannot go on without
 * the state it was building. */
#ifndef CHAINSIM_UTIL_ERR_H
#define CHAINSIM_UTIL_ERR_H

typedef enum cs_err {
    CS_OK = 0,
    CS_EINVAL,     /* an argument or input value is not acceptable */
    CS_EPARSE,     /* text is not well-formed (JSON, number, URL) */
    CS_ERANGE,     /* a number is out of its allowed range */
    CS_EIO,        /* reading or writing a file failed; errno says more */
    CS_ENOTFOUND,  /* a named thing (node, file, block) does not exist */
    CS_EEXIST,     /* the thing is already there (duplicate) */
    CS_EFULL,      /* a bounded queue or pool is full */
    CS_ECLOSED,    /* the mailbox or service has shut down */
    CS_ETIMEDOUT,  /* a wait ran out of time */
    CS_EUNSUPPORTED /* valid request that this build or mode cannot serve */
} cs_err;

/* Returns a static, human-readable sentence for `err`. */
const char *cs_strerror(cs_err err);

#endif
