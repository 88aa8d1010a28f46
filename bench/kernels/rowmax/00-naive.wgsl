// 00 naive: the plain baseline of a row max, out[r] = max of x[r * cols .. r * cols + cols). One
// invocation per row, scalar loads in order, float max() (no order keys: random inputs have no
// signed zeros or NaN). Any shape.

struct Params { rows: u32, cols: u32, _pad0: u32, _pad1: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u) {
  let r = (wg.y * nwg.x + wg.x) * WG + lid.x;
  if (r >= p.rows) { return; }
  var m = -0x1.fffffep+127f;
  for (var j = 0u; j < p.cols; j++) { m = max(m, x[r * p.cols + j]); }
  out[r] = m;
}
