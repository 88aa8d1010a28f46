// Fused AdamW over one range [offset, offset + count) of a flat parameter buffer, with the
// gradient, first and second moment buffers in the same layout. The order of operations is
// torch.optim.AdamW's (PyTorch 1.13, single-tensor path), with the clip factor of
// torch.nn.utils.clip_grad_norm_ applied to the gradient first:
//   g  = grad * clip[1]                       (clip[1] = min(1, max_norm / (norm + 1e-6)), from grad_norm.wgsl)
//   p  = p * (1 - lr * weight_decay)          (decoupled weight decay; 1 for ranges without decay)
//   m  = beta1 * m + (1 - beta1) * g
//   v  = beta2 * v + (1 - beta2) * g * g
//   p  = p - (step_size * m) / (sqrt(v) / sqrt(1 - beta2^t) + eps),   step_size = lr / (1 - beta1^t)
// The scalars are computed on the host in f64 and rounded to f32, as PyTorch does with Python floats.
// The clip factor is read from the GPU buffer, so a step needs no readback.

struct Params {
  offset: u32,
  count: u32,
  _pad0: u32,
  _pad1: u32,
  decay: f32,
  beta1: f32,
  beta2: f32,
  oneMinusBeta1: f32,
  oneMinusBeta2: f32,
  eps: f32,
  stepSize: f32,
  bc2Sqrt: f32,
}

const WG = 256u;

@group(0) @binding(4) var<storage, read> clip: array<f32>;
@group(0) @binding(5) var<uniform> P: Params;

fn index(wg: vec3u, nwg: vec3u, lid: vec3u) -> u32 {
  return (wg.y * nwg.x + wg.x) * WG + lid.x;
}

struct State { p: vec4f, m: vec4f, v: vec4f }

// Four elements at a time (the scalar entry uses lane x only).
fn update(p: vec4f, grad: vec4f, m: vec4f, v: vec4f) -> State {
  let g = grad * clip[1];
  let m2 = P.beta1 * m + P.oneMinusBeta1 * g;
  let v2 = P.beta2 * v + (P.oneMinusBeta2 * g) * g;
  let denom = sqrt(v2) / P.bc2Sqrt + P.eps;
  return State(p * P.decay - (P.stepSize * m2) / denom, m2, v2);
}

@group(0) @binding(0) var<storage, read_write> p4: array<vec4f>;
@group(0) @binding(1) var<storage, read> g4: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> m4: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> v4: array<vec4f>;

// offset and count multiples of 4.
@compute @workgroup_size(WG)
fn adamw_vec4(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = index(wg, nwg, lid);
  if (i >= P.count / 4u) { return; }
  let j = P.offset / 4u + i;
  let s = update(p4[j], g4[j], m4[j], v4[j]);
  p4[j] = s.p;
  m4[j] = s.m;
  v4[j] = s.v;
}

@group(0) @binding(0) var<storage, read_write> p1: array<f32>;
@group(0) @binding(1) var<storage, read> g1: array<f32>;
@group(0) @binding(2) var<storage, read_write> m1: array<f32>;
@group(0) @binding(3) var<storage, read_write> v1: array<f32>;

@compute @workgroup_size(WG)
fn adamw_scalar(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = index(wg, nwg, lid);
  if (i >= P.count) { return; }
  let j = P.offset + i;
  let s = update(vec4f(p1[j]), vec4f(g1[j]), vec4f(m1[j]), vec4f(v1[j]));
  p1[j] = s.p.x;
  m1[j] = s.m.x;
  v1[j] = s.v.x;
}
