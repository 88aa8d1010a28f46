// The unbiased pass@k estimator (Chen et al. 2021, "Evaluating Large Language Models Trained on
// Code"): with n samples of which c are correct, pass@k = 1 - C(n-c, k) / C(n, k), the chance that
// k samples drawn without replacement from the n include a correct one. The ratio of binomials is
// computed as a product, C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k/i), so no huge numbers
// appear for any n.

/** pass@k from n samples with c correct; k in 1..n, 0 <= c <= n (integers). */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`pass@k: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(c) || c < 0 || c > n) throw new Error(`pass@k: c must be an integer in 0..${n}, got ${c}`);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new Error(`pass@k: k must be an integer in 1..${n}, got ${k}`);
  // Fewer than k wrong samples: every draw of k holds a correct one.
  if (n - c < k) return 1;
  let allWrong = 1;
  for (let i = n - c + 1; i <= n; i++) allWrong *= 1 - k / i;
  return 1 - allWrong;
}

/** The k reported for n samples: 1, 2, 4, ... up to n, and n itself when it is not a power of 2. */
export function defaultKs(n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`n must be a positive integer, got ${n}`);
  const ks: number[] = [];
  for (let k = 1; k <= n; k *= 2) ks.push(k);
  if (ks[ks.length - 1] !== n) ks.push(n);
  return ks;
}
