// Elementwise ops over n elements (any n; the grid is 2D so n may exceed 65535 workgroups' worth).
//   binary: c = a (+ - * /) b, or c = alpha * a + beta * b       (OP 0..4)
//   fill:   c = alpha
// `c` may alias nothing else; use a separate output or the axpby form for in-place updates.

struct Params { n: u32, alpha: f32, beta: f32, _pad: u32 }

override OP: u32 = 0u;
const WG = 256u;

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

fn index(wg: vec3u, nwg: vec3u, lid: vec3u) -> u32 {
  return (wg.y * nwg.x + wg.x) * WG + lid.x;
}

@compute @workgroup_size(WG)
fn binary(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = index(wg, nwg, lid);
  if (i >= p.n) { return; }
  let x = a[i];
  let y = b[i];
  switch OP {
    case 0u: { c[i] = x + y; }
    case 1u: { c[i] = x - y; }
    case 2u: { c[i] = x * y; }
    case 3u: { c[i] = x / y; }
    default: { c[i] = p.alpha * x + p.beta * y; }
  }
}

@group(0) @binding(0) var<storage, read_write> f_out: array<f32>;
@group(0) @binding(1) var<uniform> fp: Params;

@compute @workgroup_size(WG)
fn fill(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = index(wg, nwg, lid);
  if (i >= fp.n) { return; }
  f_out[i] = fp.alpha;
}
