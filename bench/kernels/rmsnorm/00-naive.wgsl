// 00 naive: the plain baseline of RMSNorm's forward. y = x * rstd * w, rstd = 1 / sqrt(mean(x²) + eps)
// over each row of x [T, D]; rstd [T] is written too. One invocation per row, scalar loads, two
// passes over the row. Any D.

struct Params { T: u32, D: u32, eps: f32, _pad: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u) {
  let t = (wg.y * nwg.x + wg.x) * WG + lid.x;
  if (t >= p.T) { return; }
  var ss = 0.0;
  for (var d = 0u; d < p.D; d++) {
    let v = x[t * p.D + d];
    ss += v * v;
  }
  let r = 1.0 / sqrt(ss / f32(p.D) + p.eps);
  rstd[t] = r;
  for (var d = 0u; d < p.D; d++) {
    y[t * p.D + d] = x[t * p.D + d] * r * w[d];
  }
}
