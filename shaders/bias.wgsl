// Bias over rows (the q/k/v projections): x[t, n] += b[n] in place for x [T, N], and its backward
// db[n] (+)= Σ_t dy[t, n] summed in ascending t (a fixed-order column reduction, no atomics).
// N is a multiple of 4 (rows are read as vec4s).

struct Params { T: u32, N4: u32, accumulate: u32, _pad: u32 }

// Rows per workgroup in the forward; columns (vec4s) per workgroup in the backward, kept small so
// that even N = 128 (32 column invocations) spreads over more than one lavapipe thread.
const WG_ROWS = 64u;
const WG_COLS = 16u;

fn flat(wg: vec3u, nwg: vec3u, lid: vec3u, size: u32) -> u32 {
  return (wg.y * nwg.x + wg.x) * size + lid.x;
}

@group(0) @binding(0) var<storage, read_write> x: array<vec4f>;
@group(0) @binding(1) var<storage, read> b: array<vec4f>;
@group(0) @binding(2) var<uniform> p: Params;

// One row per invocation.
@compute @workgroup_size(WG_ROWS)
fn forward(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let t = flat(wg, nwg, lid, WG_ROWS);
  if (t >= p.T) { return; }
  let base = t * p.N4;
  for (var c = 0u; c < p.N4; c++) { x[base + c] += b[c]; }
}

@group(0) @binding(0) var<storage, read> dy: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> db: array<vec4f>;
@group(0) @binding(2) var<uniform> bp: Params;

// One vec4 of columns per invocation; the prior value first when accumulating.
@compute @workgroup_size(WG_COLS)
fn backward(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let c = flat(wg, nwg, lid, WG_COLS);
  if (c >= bp.N4) { return; }
  var acc = vec4f();
  if (bp.accumulate != 0u) { acc = db[c]; }
  for (var t = 0u; t < bp.T; t++) { acc += dy[t * bp.N4 + c]; }
  db[c] = acc;
}
