// RMSNorm over rows of D (HF Qwen2RMSNorm): y = (x * rstd) * w, rstd = 1 / sqrt(mean(x²) + eps).
// x, y, dy, dx are [T, D]; w, dw are [D]; rstd [T] is saved by the forward for the backward.
// D is a multiple of 4 (rows are read as vec4s).
//   forward:     one invocation per row (two passes over it: sum of squares, then scale).
//   backward_dx: one invocation per row: dx (+)= rstd * (dy*w) - x * rstd³ * Σ(dy*w*x) / D.
//   backward_dw: one invocation per vec4 of columns: dw (+)= Σ_t dy[t] * (x[t] * rstd[t]), in
//                ascending t (a fixed-order column reduction, no atomics).
// One invocation per row suits lavapipe (no workgroup memory or barriers; loads are what costs).

struct Params { T: u32, D4: u32, eps: f32, accumulate: u32 }

// Rows per workgroup; columns (vec4s) per workgroup in backward_dw, kept small so that even
// D = 128 (32 column invocations) spreads over more than one lavapipe thread.
const WG = 64u;
const WG_COLS = 16u;

fn flat(wg: vec3u, nwg: vec3u, lid: vec3u, size: u32) -> u32 {
  return (wg.y * nwg.x + wg.x) * size + lid.x;
}

fn hsum(v: vec4f) -> f32 {
  return (v.x + v.y) + (v.z + v.w);
}

@group(0) @binding(0) var<storage, read> x: array<vec4f>;
@group(0) @binding(1) var<storage, read> w: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let t = flat(wg, nwg, lid, WG);
  if (t >= p.T) { return; }
  let base = t * p.D4;
  var ss = vec4f();
  for (var c = 0u; c < p.D4; c++) {
    let v = x[base + c];
    ss = fma(v, v, ss);
  }
  let r = inverseSqrt(hsum(ss) / f32(4u * p.D4) + p.eps);
  rstd[t] = r;
  for (var c = 0u; c < p.D4; c++) {
    y[base + c] = (x[base + c] * r) * w[c];
  }
}

@group(0) @binding(0) var<storage, read> bx: array<vec4f>;
@group(0) @binding(1) var<storage, read> bw: array<vec4f>;
@group(0) @binding(2) var<storage, read> brstd: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> dx: array<vec4f>;
@group(0) @binding(5) var<uniform> bp: Params;

@compute @workgroup_size(WG)
fn backward_dx(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let t = flat(wg, nwg, lid, WG);
  if (t >= bp.T) { return; }
  let base = t * bp.D4;
  var dot = vec4f();
  for (var c = 0u; c < bp.D4; c++) {
    dot = fma(dy[base + c] * bw[c], bx[base + c], dot);
  }
  let r = brstd[t];
  let k = r * r * r * hsum(dot) / f32(4u * bp.D4);
  for (var c = 0u; c < bp.D4; c++) {
    let i = base + c;
    var g = r * (dy[i] * bw[c]) - k * bx[i];
    if (bp.accumulate != 0u) { g += dx[i]; }
    dx[i] = g;
  }
}

@group(0) @binding(0) var<storage, read> wx: array<vec4f>;
@group(0) @binding(1) var<storage, read> wrstd: array<f32>;
@group(0) @binding(2) var<storage, read> wdy: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> dw: array<vec4f>;
@group(0) @binding(4) var<uniform> wp: Params;

@compute @workgroup_size(WG_COLS)
fn backward_dw(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let c = flat(wg, nwg, lid, WG_COLS);
  if (c >= wp.D4) { return; }
  var acc = vec4f();
  if (wp.accumulate != 0u) { acc = dw[c]; }
  for (var t = 0u; t < wp.T; t++) {
    let i = t * wp.D4 + c;
    acc = fma(wdy[i], wx[i] * wrstd[t], acc);
  }
  dw[c] = acc;
}
