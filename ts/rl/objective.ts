// The GRPO objective as plain functions of per-token log-probabilities: group-normalised
// advantages, the clipped (and dual-clipped) policy-gradient loss, the k3 KL penalty, the entropy
// bonus, and the derivatives of the aggregated loss by each token's log-probability and entropy,
// which the model turns into a gradient through its LM head (ts/model/training.ts policyGradient).
import type { LossType, ScaleRewards } from './config.js';
import { exp64 } from '../util/math64.js';

/** Advantages of each rollout from its group's rewards (groups of `g` consecutive rollouts). */
export function advantages(rewards: ArrayLike<number>, g: number, scale: ScaleRewards, eps = 1e-6): Float64Array {
  const n = rewards.length;
  if (n % g) throw new Error(`advantages: ${n} rewards do not form groups of ${g}`);
  const out = new Float64Array(n);
  let batchMean = 0;
  for (let i = 0; i < n; i++) batchMean += rewards[i] / n;
  let batchVar = 0;
  for (let i = 0; i < n; i++) batchVar += (rewards[i] - batchMean) ** 2 / Math.max(1, n - 1);
  for (let s = 0; s < n; s += g) {
    let mean = 0;
    for (let i = s; i < s + g; i++) mean += rewards[i] / g;
    let v = 0;
    for (let i = s; i < s + g; i++) v += (rewards[i] - mean) ** 2 / (g - 1); // unbiased, as torch.std
    const std = scale === 'group' ? Math.sqrt(v) : scale === 'batch' ? Math.sqrt(batchVar) : 1;
    for (let i = s; i < s + g; i++) out[i] = scale === 'none' ? rewards[i] - mean : (rewards[i] - mean) / (std + eps);
  }
  return out;
}

/** Whether each group's rewards have zero spread (dynamic sampling drops those groups). */
export function zeroSpreadGroups(rewards: ArrayLike<number>, g: number): boolean[] {
  const out: boolean[] = [];
  for (let s = 0; s < rewards.length; s += g) {
    let same = true;
    for (let i = s + 1; i < s + g; i++) same &&= rewards[i] === rewards[s];
    out.push(same);
  }
  return out;
}

export interface TokenTerms {
  /** Current, sampling-time (old) and reference log-probabilities of the completion tokens. */
  logp: ArrayLike<number>;
  oldLogp: ArrayLike<number>;
  refLogp?: ArrayLike<number>;
  /** Advantage of the token's sequence; sequence index of each token (for grpo). */
  adv: ArrayLike<number>;
  seq: ArrayLike<number>;
  /** Entropy of each token's whole next-token distribution (needed when entropyCoeff > 0). */
  entropy?: ArrayLike<number>;
}

export interface ObjectiveOptions {
  epsilon: number;
  epsilonHigh: number;
  /** Dual-clip constant (0: off). */
  dualClip: number;
  beta: number;
  /** Entropy bonus: the per-token term gains -entropyCoeff * H. */
  entropyCoeff?: number;
  lossType: LossType;
  /**
   * The aggregation's denominators when these tokens are a slice of a larger (mini-)batch: its
   * token count (dapo) and sequence count (grpo). Default: this slice alone.
   */
  totalTokens?: number;
  totalSeqs?: number;
}

export interface ObjectiveResult {
  loss: number;
  /** dLoss / dlogp per token. */
  dlogp: Float64Array;
  /** -dLoss / dH per token: the entropy bonus' weight in the LM head's backward (all 0 without one). */
  dentropy: Float64Array;
  /** Fractions of tokens whose ratio was clipped below 1-ε (A<0) or above 1+ε_high (A>0), and dual-clipped. */
  clipLow: number;
  clipHigh: number;
  dualClipped: number;
  /** Mean k3 KL estimate over tokens. */
  kl: number;
}

/**
 * Per token: r = exp(logp - oldLogp); pg = max(-A r, -A clip(r, 1-ε, 1+ε_high)), and for A < 0
 * pg = min(pg, -A c) (dual clip); kl = exp(ref - logp) - (ref - logp) - 1 (k3); the term is
 * pg + beta kl - entropyCoeff H. Aggregated as the mean over all tokens (dapo) or the mean
 * over sequences of each sequence's token mean.
 */
export function grpoObjective(t: TokenTerms, o: ObjectiveOptions): ObjectiveResult {
  const n = t.logp.length;
  const seqLen = new Map<number, number>();
  for (let i = 0; i < n; i++) seqLen.set(t.seq[i], (seqLen.get(t.seq[i]) ?? 0) + 1);
  const tokens = o.totalTokens ?? n;
  const seqs = o.totalSeqs ?? seqLen.size;
  const weight = (i: number) => (o.lossType === 'dapo' ? 1 / tokens : 1 / (seqs * seqLen.get(t.seq[i])!));
  const dlogp = new Float64Array(n);
  const dentropy = new Float64Array(n);
  const coeff = o.entropyCoeff ?? 0;
  if (coeff > 0 && !t.entropy) throw new Error("grpoObjective: entropyCoeff needs the tokens' entropies");
  let loss = 0,
    low = 0,
    high = 0,
    dual = 0,
    kl = 0;
  for (let i = 0; i < n; i++) {
    const A = t.adv[i];
    const r = exp64(t.logp[i] - t.oldLogp[i]);
    const rc = Math.min(Math.max(r, 1 - o.epsilon), 1 + o.epsilonHigh);
    let pg = Math.max(-A * r, -A * rc);
    // Which term is active decides the gradient: the unclipped ratio term carries -A r.
    let grad = -A * r >= -A * rc ? -A * r : 0;
    if (grad === 0) {
      if (A < 0 && r < 1 - o.epsilon) low++;
      if (A > 0 && r > 1 + o.epsilonHigh) high++;
    }
    if (o.dualClip > 0 && A < 0 && pg > -A * o.dualClip) {
      pg = -A * o.dualClip;
      grad = 0;
      dual++;
    }
    let term = pg;
    let g = grad;
    if (o.beta > 0 && t.refLogp) {
      const d = t.refLogp[i] - t.logp[i];
      const k3 = exp64(d) - d - 1;
      kl += k3 / n;
      term += o.beta * k3;
      g += o.beta * (1 - exp64(d)); // d k3 / d logp
    }
    if (coeff > 0) {
      term -= coeff * t.entropy![i];
      dentropy[i] = coeff * weight(i);
    }
    loss += weight(i) * term;
    dlogp[i] = weight(i) * g;
  }
  return { loss, dlogp, dentropy, clipLow: low / n, clipHigh: high / n, dualClipped: dual / n, kl };
}
