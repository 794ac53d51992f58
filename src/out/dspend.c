/* dspend.c - the double spend's reference probabilities (dspend.h).
 *
 * Both sums run in doubles term by term: the terms are products of powers
 * below 1, nothing overflows for z up to thousands. The negative binomial
 * terms are built by their ratio C(m + z, m + 1) / C(m + z - 1, m) =
 * (m + z) / (m + 1), so no factorial is ever formed. */
#include "out/dspend.h"

#include <math.h>

double dspend_rosenfeld(double q, int z, int need) {
    double p = 1 - q;
    if (q >= p) return 1;
    if (q <= 0) return 0;
    double r = q / p;
    /* Terms with m >= z + need succeed for sure: add up the others and
     * their mass, the rest of the distribution is the sure part. */
    double term = pow(p, z); /* m = 0: C(z - 1, 0) p^z */
    double mass = 0, sum = 0;
    for (int m = 0; m < z + need; m++) {
        mass += term;
        sum += term * pow(r, z - m + need);
        term *= q * (double)(m + z) / (double)(m + 1);
    }
    return sum + (1 - mass);
}

double dspend_nakamoto(double q, int z) {
    double p = 1 - q;
    if (q >= p) return 1;
    double lambda = z * (q / p), poisson = exp(-lambda), sum = 1;
    for (int k = 0; k <= z; k++) {
        sum -= poisson * (1 - pow(q / p, z - k));
        poisson *= lambda / (k + 1);
    }
    return sum;
}
