// What shaders/attention_tiled.wgsl (forward) and attention_tiled_bwd.wgsl (backward) share; the host
// (ts/ops/attention_tiled.ts) prepends it to each (WGSL has no include), after the tile's WG and TV.
// Each declares its own `p: Params` uniform (at the binding after its buffers).

struct Params {
  B: u32, S: u32, H: u32, KVH: u32,
  // Workgroups per (sequence, head): ceil(S / (WG * R)); heads are query heads, but kv heads in
  // backward_kv.
  blocks: u32, scale: f32,
  hd4: u32, r: u32, // the head dimension in vec4s (<= MAX_D4), and R (<= MAX_R)
  _pad: u32, // always 0: the backward's det_exp loops add it to their trip count
}

override HD4: u32 = 0u; // 0: hd4 from the uniform
override RC: u32 = 0u; // 0: R from the uniform

const KB = 4u; // keys (queries in backward_kv) per block, as in shaders/attention.wgsl
const MAX_D4 = 32u;
const MAX_R = 2u;

@group(0) @binding(0) var<storage, read> q: array<vec4f>;
@group(0) @binding(1) var<storage, read> k: array<vec4f>;
@group(0) @binding(2) var<storage, read> v: array<vec4f>;

fn hsum(x: vec4f) -> f32 { return (x.x + x.y) + (x.z + x.w); }

// What a workgroup owns: WG * R consecutive positions from `base` (relative to the sequence, whose
// first row is `first`) of head h (a query head, or a kv head in backward_kv), R and hd4 resolved
// from the pipeline constants or the uniform. Not `valid` past the last sequence: grid2d may pad the
// grid (uniform across the workgroup, so a workgroup can return before any barrier).
struct Owner { h: u32, first: u32, base: u32, R: u32, hd4: u32, valid: bool }

fn owner(heads: u32, wg: vec3u, nwg: vec3u) -> Owner {
  let flat = wg.y * nwg.x + wg.x;
  let rest = flat / p.blocks;
  let b = rest / heads;
  let R = select(p.r, RC, RC != 0u);
  return Owner(rest % heads, b * p.S, (flat % p.blocks) * WG * R, R, select(p.hd4, HD4, HD4 != 0u), b < p.B);
}
