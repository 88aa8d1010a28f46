// Attention forward for discrete GPUs (flash-attention style): the same o and lse as the forward of
// shaders/attention.wgsl, bit for bit on the same adapter, with keys and values staged in workgroup
// memory. Layouts, masking and grouped heads as there: q, o [T, H*HD]; k, v [T, KVH*HD]; lse [T, H].
//
// The host (ts/ops/attention_tiled.ts) prepends the tile as constants, then what this shares with
// the tiled backward (shaders/attention_tiled_common.wgsl): WG invocations per workgroup and TV, the
// vec4s of k (and of v) staged per tile: a tile holds tk = TV / hd4 keys (rounded down to a multiple
// of KB). R, the query positions per invocation (1 or 2), and hd4, the head dimension
// in vec4s, are the pipeline constants RC and HD4 where a GPU runs it, so that loops over them can be
// unrolled and q and the accumulators kept in registers; 0 reads them from the uniform instead: one
// pipeline for every tile of a WG and TV and every head dimension, with loops, which CPU adapters
// (lavapipe, SwiftShader; barriers are coroutines there) compile in seconds rather than tens of
// seconds per pipeline (their tests run this form). Either gives the same bits.
//
// A workgroup owns WG * R consecutive positions of one (sequence, query head). Tile by tile, its
// invocations copy tk keys' k and v rows of the kv head into workgroup memory (coalesced), then each
// invocation runs the lavapipe kernel's block loop over them, reading k and v from there: every
// staged value serves all WG * R positions instead of being read from global memory by each.
//
// Bit-identity with shaders/attention.wgsl's forward: every per-row operation is the same, in the
// same order. Scores are hsum of vec4 fma partials over c ascending of (q * scale, k); the online
// softmax updates once per block of KB keys at the same boundaries (multiples of KB from the
// sequence's start; tk is a multiple of KB, so a block never straddles two tiles), with the same
// det_exp, fma and sums; acc is rescaled by corr, then fma(w, v, acc) for the block's keys in order;
// o = acc * (1 / l), lse = m + det_log(l). A row stops after the block holding its own position, as
// there (no row visits a fully masked block). Masked keys add fma(0, v, acc), which can still turn
// an acc of -0 into +0 depending on v's sign, so their v is read at the lavapipe kernel's clamped
// index: keys past `last`, the last position of the row's pair (R = 2 positions per invocation
// there), read at `last`. That is why R is 1 or 2 and an invocation's positions start even.
// Nothing here is a * b + c outside fma and det_exp. Still, a compiler may round differently in
// differently shaped code: on lavapipe (whose fma is a multiply and an add in LLVM) the unrolled form
// (HD4 = 2) once differed by an ulp. So the tests check identity on both CPU adapters, and a GPU's
// start-up trial (ts/ops/attention_select.ts) checks it again there before it may choose a tile.

const LOWEST = -0x1.fffffep+127f;

@group(0) @binding(3) var<storage, read_write> o: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> lse: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

var<workgroup> ks: array<vec4f, TV>;
var<workgroup> vs: array<vec4f, TV>;

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
           @builtin(local_invocation_index) lane: u32) {
  let w = owner(p.H, wg, nwg);
  if (!w.valid) { return; }
  let h = w.h;
  let g = h / (p.H / p.KVH);
  let first = w.first;
  let R = w.R;
  let hd4 = w.hd4;
  let POS = WG * R; // positions per workgroup
  let base = w.base; // positions are relative to the sequence from here on
  let i0 = base + lane * R;
  // The workgroup's last position, and this invocation's last key (the lavapipe kernel's `last`).
  let wgLast = min(base + POS, p.S) - 1u;
  let last = min(i0 | 1u, p.S - 1u);
  let live = i0 < p.S;
  let tk = (TV / hd4) & ~(KB - 1u); // keys per tile

  var qs: array<array<vec4f, MAX_D4>, MAX_R>;
  var acc: array<array<vec4f, MAX_D4>, MAX_R>;
  var m: array<f32, MAX_R>;
  var l: array<f32, MAX_R>;
  for (var r = 0u; r < R; r++) {
    let qb = ((first + min(i0 + r, p.S - 1u)) * p.H + h) * hd4;
    for (var c = 0u; c < hd4; c++) {
      qs[r][c] = q[qb + c] * p.scale;
      acc[r][c] = vec4f();
    }
    m[r] = LOWEST;
    l[r] = 0.0;
  }

  for (var t0 = 0u; t0 <= wgLast; t0 += tk) {
    // Stage keys t0 .. t0 + tk - 1 (past wgLast: its row; never read unmasked).
    for (var e = lane; e < tk * hd4; e += WG) {
      let key = min(t0 + e / hd4, wgLast);
      let src = ((first + key) * p.KVH + g) * hd4 + e % hd4;
      ks[e] = k[src];
      vs[e] = v[src];
    }
    workgroupBarrier();
    let end = select(0u, min(t0 + tk - 1u, last), live); // this invocation's last key in the tile
    for (var j0 = t0; live && j0 <= end; j0 += KB) {
      var dot = array<array<vec4f, KB>, MAX_R>();
      for (var c = 0u; c < hd4; c++) {
        for (var t = 0u; t < KB; t++) {
          let kc = ks[(min(j0 + t, last) - t0) * hd4 + c];
          for (var r = 0u; r < R; r++) { dot[r][t] = fma(qs[r][c], kc, dot[r][t]); }
        }
      }
      var corr: array<f32, MAX_R>;
      var w: array<array<f32, KB>, MAX_R>;
      for (var r = 0u; r < R; r++) {
        var score: array<f32, KB>;
        var mNew = m[r];
        for (var t = 0u; t < KB; t++) {
          score[t] = select(LOWEST, hsum(dot[r][t]), j0 + t <= i0 + r);
          mNew = max(mNew, score[t]);
        }
        corr[r] = det_exp(m[r] - mNew);
        var sum = 0.0;
        for (var t = 0u; t < KB; t++) {
          w[r][t] = select(0.0, det_exp(score[t] - mNew), j0 + t <= i0 + r);
          sum += w[r][t];
        }
        l[r] = fma(l[r], corr[r], sum);
        m[r] = mNew;
      }
      for (var c = 0u; c < hd4; c++) {
        var ac: array<vec4f, MAX_R>;
        for (var r = 0u; r < R; r++) { ac[r] = acc[r][c] * corr[r]; }
        for (var t = 0u; t < KB; t++) {
          let vc = vs[(min(j0 + t, last) - t0) * hd4 + c];
          for (var r = 0u; r < R; r++) { ac[r] = fma(vec4f(w[r][t]), vc, ac[r]); }
        }
        for (var r = 0u; r < R; r++) { acc[r][c] = ac[r]; }
      }
    }
    workgroupBarrier();
  }

  for (var r = 0u; r < R; r++) {
    if (i0 + r < p.S) {
      let row = first + i0 + r;
      let ob = (row * p.H + h) * hd4;
      let inv = 1.0 / l[r];
      for (var c = 0u; c < hd4; c++) { o[ob + c] = acc[r][c] * inv; }
      lse[row * p.H + h] = m[r] + det_log(l[r]);
    }
  }
}
