// Model parameters for GPU tests of the whole model.
import type { Qwen2Config } from '../../ts/model/config.js';
import { initParams, type ParamLayout } from '../../ts/model/params.js';

/** Init with every tensor perturbed (norm gains and biases too), so no gradient is trivially zero. */
export function perturbedParams(config: Qwen2Config, layout: ParamLayout, rand: () => number): Float32Array {
  const p = initParams(config, layout, 1 + Math.floor(rand() * 1000));
  for (const s of layout.slots)
    for (let i = 0; i < s.size; i++) p[s.offset + i] += 0.05 * (rand() - 0.5) * (s.decay ? 1 : 4);
  return p;
}
