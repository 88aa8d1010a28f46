// Incremental decoding with a KV cache. Cache layout: [B, L, KVH*hd] (L = capacity per sequence).
//   append:  cache[b, pos[b] + r, :] = rows[b * R + r, :] for r < R (a prefill writes R = prompt
//            length rows of one sequence; a decode step writes R = 1 row for every sequence)
//   decode:  one new query row per sequence against its cached keys 0 .. len[b]-1 (causal by
//            construction), grouped-query heads, online softmax; o [B, H*hd].
// Positions and lengths come from buffers, so sequences of different lengths decode together.

struct AppendParams { B: u32, R: u32, L: u32, width4: u32 }
struct DecodeParams { B: u32, H: u32, KVH: u32, hd: u32, L: u32, scale: f32 }

@group(0) @binding(0) var<storage, read> rows: array<vec4f>;
@group(0) @binding(1) var<storage, read> pos: array<u32>;
@group(0) @binding(2) var<storage, read_write> cache: array<vec4f>;
@group(0) @binding(3) var<uniform> ap: AppendParams;

@compute @workgroup_size(64)
fn append(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = (wg.y * nwg.x + wg.x) * 64u + lid.x;
  let W = ap.width4;
  if (i >= ap.B * ap.R * W) { return; }
  let row = i / W;
  let c = i % W;
  let b = row / ap.R;
  let r = row % ap.R;
  let p = pos[b] + r;
  if (p < ap.L) { cache[(b * ap.L + p) * W + c] = rows[row * W + c]; }
}

@group(0) @binding(0) var<storage, read> q: array<vec4f>;
@group(0) @binding(1) var<storage, read> kc: array<vec4f>;
@group(0) @binding(2) var<storage, read> vc: array<vec4f>;
@group(0) @binding(3) var<storage, read> lens: array<u32>;
@group(0) @binding(4) var<storage, read_write> o: array<vec4f>;
@group(0) @binding(5) var<uniform> dp: DecodeParams;

const MAX_HD4 = 32u;  // head dimension up to 128

@compute @workgroup_size(64)
fn decode(@builtin(global_invocation_id) g: vec3u) {
  let idx = g.x;
  if (idx >= dp.B * dp.H) { return; }
  let b = idx / dp.H;
  let h = idx % dp.H;
  let kvh = h / (dp.H / dp.KVH);
  let hd4 = dp.hd / 4u;
  let qBase = (b * dp.H + h) * hd4;
  let kvW = dp.KVH * hd4;
  let n = min(lens[b], dp.L);
  var acc: array<vec4f, MAX_HD4>;
  var m = -0x1.fffffep+127f;
  var l = 0.0;
  for (var j = 0u; j < n; j++) {
    let kBase = (b * dp.L + j) * kvW + kvh * hd4;
    var s = 0.0;
    for (var c = 0u; c < hd4; c++) { s += dot(q[qBase + c], kc[kBase + c]); }
    s *= dp.scale;
    let mNew = max(m, s);
    let corr = det_exp(m - mNew);
    let w = det_exp(s - mNew);
    l = l * corr + w;
    for (var c = 0u; c < hd4; c++) { acc[c] = acc[c] * corr + w * vc[kBase + c]; }
    m = mNew;
  }
  let inv = select(0.0, 1.0 / l, l > 0.0);
  for (var c = 0u; c < hd4; c++) { o[qBase + c] = acc[c] * inv; }
}
