// 02 workgroup per row: RMSNorm's forward (as 00) with 64 invocations sharing each row, the way GPU
// libraries do it: each invocation sums the squares of every 64th vec4 of the row, a tree
// reduction in workgroup memory gives the row's sum, and each invocation scales its own vec4s.
// Many rows in flight and coalesced loads suit a real GPU; on lavapipe the barriers cost more than
// the one-invocation-per-row loop of 01 (shaders/rmsnorm.wgsl). Needs D to be a multiple of 4.
// Measured on lavapipe (2 shared vCPUs, 2026-11-27): 0.36x of 01 at 8192x768 (00: 0.70x).

struct Params { T: u32, D4: u32, eps: f32, _pad: u32 }

@group(0) @binding(0) var<storage, read> x: array<vec4f>;
@group(0) @binding(1) var<storage, read> w: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

const WG = 64u;
var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u) {
  let t = wg.y * nwg.x + wg.x; // uniform across the workgroup, so every invocation reaches the barriers
  let row = min(t, p.T - 1u) * p.D4;
  var ss = vec4f();
  for (var c = lid.x; c < p.D4; c += WG) {
    let v = x[row + c];
    ss = fma(v, v, ss);
  }
  partial[lid.x] = (ss.x + ss.y) + (ss.z + ss.w);
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    workgroupBarrier();
    if (lid.x < half) { partial[lid.x] += partial[lid.x + half]; }
  }
  workgroupBarrier();
  if (t >= p.T) { return; }
  let r = inverseSqrt(partial[0] / f32(4u * p.D4) + p.eps);
  if (lid.x == 0u) { rstd[t] = r; }
  for (var c = lid.x; c < p.D4; c += WG) {
    y[row + c] = (x[row + c] * r) * w[c];
  }
}
