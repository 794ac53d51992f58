/* check.h - the tiny test harness every tests/test_<module>.c uses.
 *
 * A test file lists its cases in a table and ends with TEST_MAIN(table):
 *
 *     static void test_genesis_hash(void) { CHECK_STR_EQ(hex, "0000ea85..."); }
 *     static const test_case cases[] = { TEST(test_genesis_hash), {0} };
 *     TEST_MAIN(cases)
 *
 * A failed CHECK prints file:line, the expression and both values, marks the
 * case failed and returns from it. The program prints "N passed, N failed" and
 * exits non-zero if any case failed. `./test_x name` runs the named case only. */
#ifndef CHAINSIM_TEST_CHECK_H
#define CHAINSIM_TEST_CHECK_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct test_case {
    const char *name;
    void (*fn)(void);
} test_case;

#define TEST(fn) { #fn, fn }

static int check__failed;

#define CHECK_FAIL_(...)                                                     \
    do {                                                                     \
        fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                    \
        fprintf(stderr, __VA_ARGS__);                                        \
        fputc('\n', stderr);                                                 \
        check__failed = 1;                                                   \
        return;                                                              \
    } while (0)

#define CHECK(cond)                                                          \
    do { if (!(cond)) CHECK_FAIL_("CHECK(%s) failed", #cond); } while (0)

#define CHECK_INT_EQ(a, b)                                                   \
    do {                                                                     \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);      \
        if (check_a_ != check_b_)                                            \
            CHECK_FAIL_("%s == %s: %lld != %lld", #a, #b, check_a_, check_b_); \
    } while (0)

#define CHECK_DBL_NEAR(a, b, eps)                                            \
    do {                                                                     \
        double check_a_ = (a), check_b_ = (b);                               \
        if (!(check_a_ - check_b_ <= (eps) && check_b_ - check_a_ <= (eps))) \
            CHECK_FAIL_("%s ~= %s: %.9g vs %.9g (eps %g)", #a, #b, check_a_, \
                        check_b_, (double)(eps));                            \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                   \
    do {                                                                     \
        const char *check_a_ = (a), *check_b_ = (b);                         \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0)       \
            CHECK_FAIL_("%s == %s:\n    got      \"%s\"\n    expected \"%s\"", \
                        #a, #b, check_a_ ? check_a_ : "(null)",              \
                        check_b_ ? check_b_ : "(null)");                     \
    } while (0)

#define CHECK_MEM_EQ(a, alen, b, blen)                                       \
    do {                                                                     \
        size_t check_al_ = (alen), check_bl_ = (blen);                       \
        if (check_al_ != check_bl_ || memcmp((a), (b), check_al_) != 0)      \
            CHECK_FAIL_("%s == %s:\n    got      \"%.*s\"\n    expected \"%.*s\"", \
                        #a, #b, (int)check_al_, (const char *)(a),           \
                        (int)check_bl_, (const char *)(b));                  \
    } while (0)

static inline int check__run(const test_case *cases, int argc, char **argv) {
    int passed = 0, failed = 0;
    for (const test_case *c = cases; c->name; c++) {
        if (argc > 1 && strcmp(argv[1], c->name) != 0) continue;
        check__failed = 0;
        c->fn();
        if (check__failed) {
            failed++;
            fprintf(stderr, "FAIL %s\n", c->name);
        } else {
            passed++;
            fprintf(stderr, "ok   %s\n", c->name);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed || passed == 0 ? 1 : 0;
}

/* True if both files can be read and hold the same bytes. */
static inline bool check_same_file(const char *path_a, const char *path_b) {
    FILE *fa = fopen(path_a, "rb"), *fb = fopen(path_b, "rb");
    bool same = fa && fb;
    while (same) {
        int ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb) same = false;
        if (ca == EOF) break;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    return same;
}

#define TEST_MAIN(cases) \
    int main(int argc, char **argv) { return check__run(cases, argc, argv); }

#endif
