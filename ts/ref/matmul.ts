// Plain reference of shaders/matmul.wgsl (f64 accumulation), for tests.
import type { MatmulShape } from '../ops/matmul.js';

export interface RefMatmul extends MatmulShape {
  a: ArrayLike<number>;
  b: ArrayLike<number>;
  c?: ArrayLike<number>;
}

export function refMatmul(x: RefMatmul): Float64Array {
  const { M, N, K } = x;
  const batch = x.batch ?? 1;
  const sC = x.strideC ?? M * N;
  const out = new Float64Array(batch === 1 ? M * N : (batch - 1) * sC + M * N);
  const alpha = x.alpha ?? 1;
  const beta = x.beta ?? 0;
  for (let bt = 0; bt < batch; bt++) {
    const a0 = bt * (x.strideA ?? 0),
      b0 = bt * (x.strideB ?? 0),
      c0 = bt * sC;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          const av = x.transA ? x.a[a0 + k * M + m] : x.a[a0 + m * K + k];
          const bv = x.transB ? x.b[b0 + n * K + k] : x.b[b0 + k * N + n];
          s += av * bv;
        }
        const i = c0 + m * N + n;
        out[i] = alpha * s + (beta !== 0 && x.c ? beta * x.c[i] : 0);
      }
    }
  }
  return out;
}
