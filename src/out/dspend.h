/* dspend.h - what the literature says a double spend should achieve: the
 * probability that an attacker with a share q of the hash power reverses a
 * payment the merchant accepted after z confirmations.
 *
 * The race (Nakamoto 2008, sec. 11): each block is the attacker's with
 * probability q, the honest miners' with p = 1 - q. The attacker mines a
 * private branch from the moment it pays; the merchant delivers once the
 * honest chain holds the payment under z blocks; from then on the
 * attacker's deficit is a random walk, and from a deficit of d it ever gets
 * `need` blocks ahead with probability (q/p)^(d + need) (gambler's ruin;
 * 1 for q >= p). */
#ifndef CHAINSIM_OUT_DSPEND_H
#define CHAINSIM_OUT_DSPEND_H

/* Rosenfeld (2014), "Analysis of hashrate-based double spending":
 * the exact probability. While the honest miners find their z blocks the
 * attacker finds m, negative-binomially distributed: C(m + z - 1, m) p^z
 * q^m. `need` is the lead over the honest chain the attacker must reach
 * once the payment has z confirmations, with a pre-mined block counted in
 * its favour: 0 for Rosenfeld's own model (a pre-mined block and a strictly
 * longer branch, or equally, success on a tie as Nakamoto counts it), 1 for
 * a strictly longer branch without a pre-mined block, -1 for a tie with
 * one. Then
 *   P = sum over m of C(m + z - 1, m) p^z q^m min(1, (q/p)^(z - m + need))
 * which for need = 0 is Rosenfeld's
 *   1 - sum_{m=0}^{z} C(m + z - 1, m) (p^z q^m - p^m q^z).
 * The attacker never gives up here. q in [0, 1], z >= 1. */
double dspend_rosenfeld(double q, int z, int need);

/* Nakamoto (2008), sec. 11: the same race with the attacker's progress
 * taken as Poisson of mean lambda = z q / p (the time the honest miners
 * take for z blocks fixed at its mean), success on catching up:
 *   P = 1 - sum_{k=0}^{z} e^-lambda lambda^k / k! (1 - (q/p)^(z - k)).
 * An approximation: it differs from Rosenfeld's exact value (0.2046 against
 * 0.2 at q = 0.1, z = 1). */
double dspend_nakamoto(double q, int z);

#endif
