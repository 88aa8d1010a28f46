// SwiGLU gate of the Qwen2 MLP, elementwise over n = T·F values (n a multiple of 4: vec4s):
//   forward:  h = silu(gate) · up,  silu(g) = g · sigmoid(g),  sigmoid(g) = 1 / (1 + exp(-g))
//   backward: dgate = dh · up · sigmoid(g) · (1 + g · (1 - sigmoid(g))),  dup = dh · silu(g)
// exp(-g) overflows to +inf for g < -88: sigmoid is then 0 and so is every product, as it should be.
// One invocation per 4 vec4s (a loop amortises the index arithmetic on lavapipe).

struct Params { n4: u32 }

const WG = 64u;
const PER = 4u; // vec4s per invocation

fn first(wg: vec3u, nwg: vec3u, lid: vec3u) -> u32 {
  return ((wg.y * nwg.x + wg.x) * WG + lid.x) * PER;
}

fn sigmoid(g: vec4f) -> vec4f {
  return 1.0 / (1.0 + det_exp4(-g));
}

@group(0) @binding(0) var<storage, read> gate: array<vec4f>;
@group(0) @binding(1) var<storage, read> up: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> h: array<vec4f>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i0 = first(wg, nwg, lid);
  for (var i = i0; i < min(i0 + PER, p.n4); i++) {
    let g = gate[i];
    h[i] = g * sigmoid(g) * up[i];
  }
}

@group(0) @binding(0) var<storage, read> bgate: array<vec4f>;
@group(0) @binding(1) var<storage, read> bup: array<vec4f>;
@group(0) @binding(2) var<storage, read> dh: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> dgate: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> dup: array<vec4f>;
@group(0) @binding(5) var<uniform> bp: Params;

@compute @workgroup_size(WG)
fn backward(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i0 = first(wg, nwg, lid);
  for (var i = i0; i < min(i0 + PER, bp.n4); i++) {
    let g = bgate[i];
    let s = sigmoid(g);
    let d = dh[i];
    dgate[i] = d * bup[i] * s * (1.0 + g * (1.0 - s));
    dup[i] = d * g * s;
  }
}
