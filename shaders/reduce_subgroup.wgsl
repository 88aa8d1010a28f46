enable subgroups;

// reduce.wgsl's max (OP = 1) for adapters with the `subgroups` feature; the module is this file
// followed by reduce.wgsl (ts/ops/reduce.ts), whose bindings, lane partials and keys it uses. Each
// subgroup takes the max of its lanes' keys with subgroupMax, one lane per subgroup folds it into a
// workgroup atomicMax, and one barrier replaces the tree's six. Integer max is exact, commutative
// and associative, so neither the subgroup width nor the atomics' order changes a bit: the result
// equals reduce_rows' (test/gpu/reduce-subgroup.test.ts). Sums stay on the tree: an f32 sum through
// subgroupAdd would depend on the width and the hardware's order.

// Zero, the lowest key, at the start (WGSL zero-initialises workgroup memory); every lane
// contributes at least max_key(LOWEST).
var<workgroup> best: atomic<u32>;

@compute @workgroup_size(WG)
fn reduce_max_subgroup(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = wg.y * nwg.x + wg.x;
  let m = subgroupMax(lane_partial(row, lid.x));
  if (subgroupElect()) { atomicMax(&best, m); }
  workgroupBarrier();
  if (lid.x == 0u && row < p.rows) { out[row] = result(atomicLoad(&best)); }
}
