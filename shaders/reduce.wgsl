// Row reduction out[r] = reduce(x[r * cols + j], j < cols) with OP 0 = sum, 1 = max, 2 = sum of
// squares; elements at or past `n` are skipped (a ragged last row). The order of operations is fixed
// by the code alone (strided lane partials, then a tree), so results are bit-identical run to run
// on one adapter: no atomics, no float subgroup ops (a sum through them depends on the subgroup
// width, lavapipe 8, SwiftShader 4).
//
// Max compares order keys (max_key), not floats: a total order on the bits in which -0 < +0 and a
// NaN is above +inf, so the result is the same whatever order the elements meet in (WGSL leaves
// max(-0, +0) and a NaN operand to the implementation), a NaN in the row gives NaN (0x7fffffff),
// and subnormals are compared, never flushed. That exactness is what lets reduce_subgroup.wgsl
// take the max with subgroupMax, in any subgroup width, and give these bits.

struct Params { rows: u32, cols: u32, n: u32, _pad: u32 }

override OP: u32 = 0u;
const WG = 64u;
const LOWEST = -0x1.fffffep+127f;  // lowest finite f32: the max of an empty row

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

// A sum's partials as bits, or a max's keys.
var<workgroup> partial: array<u32, WG>;

fn combine(acc: f32, v: f32) -> f32 {
  return select(acc + v, acc + v * v, OP == 2u);
}

// f32 -> u32, increasing with the value: positives get the top bit, negatives are inverted; every
// NaN maps to the largest key.
fn max_key(v: f32) -> u32 {
  let b = bitcast<u32>(v);
  if ((b & 0x7fffffffu) > 0x7f800000u) { return 0xffffffffu; }
  return select(b | 0x80000000u, ~b, b >= 0x80000000u);
}

fn from_max_key(k: u32) -> f32 {
  return bitcast<f32>(select(~k, k & 0x7fffffffu, k >= 0x80000000u));
}

// This lane's part of the row (elements lane, lane + WG, ...): a max key, or a sum's bits.
fn lane_partial(row: u32, lane: u32) -> u32 {
  var acc = 0.0;
  var key = max_key(LOWEST);
  if (row < p.rows) {
    let start = row * p.cols;
    let end = min(start + p.cols, p.n);
    for (var i = start + lane; i < end; i += WG) {
      if (OP == 1u) { key = max(key, max_key(x[i])); } else { acc = combine(acc, x[i]); }
    }
  }
  return select(bitcast<u32>(acc), key, OP == 1u);
}

fn result(v: u32) -> f32 {
  return select(bitcast<f32>(v), from_max_key(v), OP == 1u);
}

@compute @workgroup_size(WG)
fn reduce_rows(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = wg.y * nwg.x + wg.x;  // no early return: every lane must reach the barriers
  partial[lid.x] = lane_partial(row, lid.x);
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lid.x < s) {
      let a = partial[lid.x];
      let o = partial[lid.x + s];
      // Partials are already squared: combine them by sum (or max), never square again.
      partial[lid.x] = select(bitcast<u32>(bitcast<f32>(a) + bitcast<f32>(o)), max(a, o), OP == 1u);
    }
  }
  if (lid.x == 0u && row < p.rows) { out[row] = result(partial[0]); }
}
