// Plain reference of shaders/swiglu.wgsl (f64), for tests.

const sigmoid = (g: number) => 1 / (1 + Math.exp(-g));

export function refSwiglu(gate: ArrayLike<number>, up: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: gate.length }, (_, i) => gate[i] * sigmoid(gate[i]) * up[i]);
}

export function refSwigluBackward(
  gate: ArrayLike<number>,
  up: ArrayLike<number>,
  dh: ArrayLike<number>,
): { dgate: Float64Array; dup: Float64Array } {
  const n = gate.length;
  const dgate = new Float64Array(n),
    dup = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = gate[i],
      s = sigmoid(g);
    dgate[i] = dh[i] * up[i] * s * (1 + g * (1 - s));
    dup[i] = dh[i] * g * s;
  }
  return { dgate, dup };
}
