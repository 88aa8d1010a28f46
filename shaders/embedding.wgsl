// Token embedding, forward and backward. E is [V, D], activations [T, D], D a multiple of 4 (rows
// are read as vec4s). Ids are u32.
//   forward:  out[t, :] = E[ids[t], :]; an id >= V gives a row of NaN, so a bad id cannot pass unseen.
//   backward: dE[v, :] (+)= Σ dOut[t, :] over the tokens t with ids[t] = v. No atomics: the host
//             groups token positions by id (CSR: offsets [V+1], positions [T], ascending within an
//             id), and one invocation owns one vec4 of one row, summing in that fixed order.

struct Params { rows: u32, V: u32, D4: u32, accumulate: u32 }

const WG = 64u;

fn flatIndex(wg: vec3u, nwg: vec3u, lid: vec3u) -> u32 {
  return (wg.y * nwg.x + wg.x) * WG + lid.x;
}

@group(0) @binding(0) var<storage, read> ids: array<u32>;
@group(0) @binding(1) var<storage, read> table: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4f>;
@group(0) @binding(3) var<uniform> p: Params;

// One output row per invocation (p.rows = T): a loop per row costs far less index arithmetic on
// lavapipe than one invocation per vec4 (3 ms vs 21 ms for T=4096, D=768).
@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let t = flatIndex(wg, nwg, lid);
  if (t >= p.rows) { return; }
  let id = ids[t];
  let dst = t * p.D4;
  if (id >= p.V) {
    var nanBits = 0x7fc00000u; // a var, not a constant: a constant NaN is a compile error
    for (var c = 0u; c < p.D4; c++) { out[dst + c] = vec4f(bitcast<f32>(nanBits)); }
    return;
  }
  let src = id * p.D4;
  for (var c = 0u; c < p.D4; c++) { out[dst + c] = table[src + c]; }
}

@group(0) @binding(0) var<storage, read> offsets: array<u32>;
@group(0) @binding(1) var<storage, read> positions: array<u32>;
@group(0) @binding(2) var<storage, read> dout: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> dtable: array<vec4f>;
@group(0) @binding(4) var<uniform> bp: Params;

// One vec4 of one row of dE per invocation (bp.rows = V); the prior value first, then tokens in
// ascending position.
@compute @workgroup_size(WG)
fn backward(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flatIndex(wg, nwg, lid);
  if (i >= bp.rows * bp.D4) { return; }
  let v = i / bp.D4;
  let c = i - v * bp.D4;
  var acc = vec4f();
  if (bp.accumulate != 0u) { acc = dtable[i]; }
  let end = offsets[v + 1u];
  for (var j = offsets[v]; j < end; j++) {
    acc += dout[positions[j] * bp.D4 + c];
  }
  dtable[i] = acc;
}
