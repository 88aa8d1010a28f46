// Row reduction out[r] = reduce(x[r * cols + j], j < cols) with OP 0 = sum, 1 = max, 2 = sum of
// squares; elements at or past `n` are skipped (a ragged last row). The order of operations is fixed
// by the code alone (strided lane partials, then a tree), so results are bit-identical run to run
// on one adapter: no atomics, no subgroup ops (whose width differs between adapters).

struct Params { rows: u32, cols: u32, n: u32, _pad: u32 }

override OP: u32 = 0u;
const WG = 64u;
const LOWEST = -0x1.fffffep+127f;  // lowest finite f32

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

var<workgroup> partial: array<f32, WG>;

fn combine(acc: f32, v: f32) -> f32 {
  switch OP {
    case 1u: { return max(acc, v); }
    case 2u: { return acc + v * v; }
    default: { return acc + v; }
  }
}

@compute @workgroup_size(WG)
fn reduce_rows(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = wg.y * nwg.x + wg.x;
  let live = row < p.rows;  // no early return: every lane must reach the barriers
  var acc = select(0.0, LOWEST, OP == 1u);
  if (live) {
    let start = row * p.cols;
    let end = min(start + p.cols, p.n);
    for (var i = start + lid.x; i < end; i += WG) { acc = combine(acc, x[i]); }
  }
  partial[lid.x] = acc;
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lid.x < s) {
      let o = partial[lid.x + s];
      // Partials are already squared: combine them by sum (or max), never square again.
      partial[lid.x] = select(partial[lid.x] + o, max(partial[lid.x], o), OP == 1u);
    }
  }
  if (lid.x == 0u && live) { out[row] = partial[0]; }
}
