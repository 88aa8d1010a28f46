// Sampling one token per row from logits, with its log-probability.
// logits is [rows, stride] (stride a multiple of 4; columns past `vocab` are padding and never
// chosen). Output row r reads logits row logitsRow + r * rowStep (rowStep 0: every output row
// samples the same logits row, e.g. one prompt's group) and draws its uniform from the counter
// (seed, step, rngRow + r), so a row's sample does not depend on the batch it was drawn in.
//   temperature T > 0: token ~ softmax(z / T) restricted to the kept set: the top-k values (ties at
//                      the k-th value kept), then the smallest top set whose mass reaches topP of
//                      the top-k mass (ties kept); drawn by inverse CDF with one uniform.
//   temperature T <= 0: greedy argmax (ties to the lowest id).
//   logprob = log_softmax(z / T)[token] over the whole vocabulary (T = 1 when greedy): what a
//             training forward at that temperature computes; not renormalised by top-k / top-p.
//
// One workgroup per row (64 invocations by default; 8 suits CPU adapters, where barriers cost most);
// invocation t owns a contiguous block of vec4 columns, so the cumulative sum of the draw is
// "blocks before t, then t's block in order". Every reduction writes one partial
// per invocation and folds them in invocation order: same bytes run to run. Thresholds are found
// without sorting, by building the largest order-preserving key 4 bits at a time (8 passes over the row).

struct Params {
  B: u32,
  vocab: u32,
  stride4: u32,
  topK: u32,          // 0 or >= vocab: off
  topP: f32,          // 1: off
  temperature: f32,   // used when perRow == 0
  perRow: u32,        // 1: temperature of row r is temps[r]
  seed: u32,
  step: u32,
  rngRow: u32,
  logitsRow: u32,
  rowStep: u32,
}

override WG: u32 = 64u;  // invocations per row (a power of two, >= 4)
const NONE = 0xffffffffu;

@group(0) @binding(0) var<storage, read> logits: array<vec4f>;
@group(0) @binding(1) var<storage, read> temps: array<f32>;
@group(0) @binding(2) var<storage, read_write> tokens: array<u32>;
@group(0) @binding(3) var<storage, read_write> logprobs: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

var<workgroup> part: array<f32, WG>;
var<workgroup> partIdx: array<u32, WG>;

// PCG-style 4D hash (Jarzynski & Olano 2020, "Hash Functions for GPU Rendering"), two rounds.
fn pcg4d(v0: vec4u) -> vec4u {
  var v = v0 * 1664525u + 1013904223u;
  v.x += v.y * v.w; v.y += v.z * v.x; v.z += v.x * v.y; v.w += v.y * v.z;
  v ^= v >> vec4u(16u);
  v.x += v.y * v.w; v.y += v.z * v.x; v.z += v.x * v.y; v.w += v.y * v.z;
  return v;
}

// Uniform in [0, 1 - 2^-23] on a 2^-23 grid: u * total < total for any total >= 1 (no rounding up).
fn uniform01(seed: u32, step: u32, row: u32) -> f32 {
  let h = pcg4d(pcg4d(vec4u(seed, step, row, 0x9e3779b9u)));
  return f32(h.x >> 9u) * 0x1p-23f;
}

// Order-preserving map of f32 to u32 (larger float, larger key).
fn orderKey(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

// Each invocation's value folded in invocation order: (sum before t, total), the same in every invocation.
fn foldSum(t: u32, v: f32) -> vec2f {
  part[t] = v;
  workgroupBarrier();
  var before = 0.0;
  var s = 0.0;
  for (var i = 0u; i < WG; i++) {
    if (i == t) { before = s; }
    s += part[i];
  }
  workgroupBarrier();
  return vec2f(before, s);
}

var<workgroup> tot: f32;

// The same fold's total only, by one invocation (a reduction inside the threshold searches).
fn total(t: u32, v: f32) -> f32 {
  part[t] = v;
  workgroupBarrier();
  if (t == 0u) {
    var s = 0.0;
    for (var i = 0u; i < WG; i++) { s += part[i]; }
    tot = s;
  }
  return workgroupUniformLoad(&tot);
}

struct Block { base: u32, i0: u32, i1: u32 }

var<workgroup> tallies: array<vec4f, 4 * WG>;  // [invocation * 4 + q]: candidate digits 4q+1 .. 4q+4
var<workgroup> folded: array<vec4f, 4>;

// One 4-bit digit of a threshold search. thr holds the digits found so far (bits below sh + 4 are
// zero); returns thr with the largest digit d such that the kept columns (key >= floor) with key >=
// thr | d << sh have a count (or weight) of at least `goal`. The 15 candidates' tallies are summed
// per invocation in column order (vec4 compares, no scatter), then folded in invocation order.
fn digitStep(t: u32, b: Block, thr: u32, floor: u32, sh: u32, m: f32, T: f32, count: bool, goal: f32) -> u32 {
  let base = thr >> sh;
  var c0 = vec4f(0.0); var c1 = vec4f(0.0); var c2 = vec4f(0.0); var c3 = vec4f(0.0);
  for (var i = b.i0; i < b.i1; i++) {
    let z = logits[b.base + i];
    var w = vec4f(1.0);
    if (!count) { w = weights(z, m, T); }
    for (var l = 0u; l < 4u; l++) {
      let k = orderKey(z[l]);
      if (4u * i + l < P.vocab && k >= floor && (k >> sh) >= base) {
        let d = vec4u((k >> sh) - base);
        let x = vec4f(w[l]);
        c0 += select(vec4f(0.0), x, d >= vec4u(1u, 2u, 3u, 4u));
        c1 += select(vec4f(0.0), x, d >= vec4u(5u, 6u, 7u, 8u));
        c2 += select(vec4f(0.0), x, d >= vec4u(9u, 10u, 11u, 12u));
        c3 += select(vec4f(0.0), x, d >= vec4u(13u, 14u, 15u, 16u));
      }
    }
  }
  tallies[t * 4u] = c0; tallies[t * 4u + 1u] = c1; tallies[t * 4u + 2u] = c2; tallies[t * 4u + 3u] = c3;
  workgroupBarrier();
  if (t < 4u) {
    var s = vec4f(0.0);
    for (var i = 0u; i < WG; i++) { s += tallies[i * 4u + t]; }
    folded[t] = s;
  }
  let c = workgroupUniformLoad(&folded);
  for (var d = 15u; d > 0u; d--) {
    if (c[(d - 1u) / 4u][(d - 1u) % 4u] >= goal) { return thr | (d << sh); }
  }
  return thr;
}

// Unnormalised probabilities at temperature T (the one expression both the sums and the draw use).
// The builtin exp, not det_exp (shaders/detmath.wgsl): with det_exp, lavapipe took minutes on the
// top-k/top-p tests (not understood yet), so the weights may differ between adapters.
fn weights(z: vec4f, m: f32, T: f32) -> vec4f {
  return exp((z - m) / T);
}

// Sum of the weights of the block's kept columns (key >= thr), element by element in column order.
fn blockSum(b: Block, thr: u32, m: f32, T: f32) -> f32 {
  var s = 0.0;
  for (var i = b.i0; i < b.i1; i++) {
    let z = logits[b.base + i];
    let w = weights(z, m, T);
    for (var l = 0u; l < 4u; l++) {
      let j = 4u * i + l;
      if (j < P.vocab && orderKey(z[l]) >= thr) { s += w[l]; }
    }
  }
  return s;
}

@compute @workgroup_size(WG)
fn sample(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = wg.x;
  let t = lid.x;
  if (r >= P.B) { return; }  // uniform across the workgroup
  let c = (P.stride4 + WG - 1u) / WG;
  let blk = Block((P.logitsRow + r * P.rowStep) * P.stride4, min(t * c, P.stride4), min(t * c + c, P.stride4));
  var T = P.temperature;
  if (P.perRow == 1u) { T = temps[r]; }
  let greedy = !(T > 0.0);
  let Tl = select(T, 1.0, greedy);

  // Max and first argmax.
  var m = 0.0;
  var a = NONE;
  for (var i = blk.i0; i < blk.i1; i++) {
    let z = logits[blk.base + i];
    for (var l = 0u; l < 4u; l++) {
      let j = 4u * i + l;
      if (j < P.vocab && (a == NONE || z[l] > m)) { m = z[l]; a = j; }
    }
  }
  part[t] = m;
  partIdx[t] = a;
  workgroupBarrier();
  var M = 0.0;
  var A = NONE;
  for (var i = 0u; i < WG; i++) {
    if (partIdx[i] != NONE && (A == NONE || part[i] > M)) { M = part[i]; A = partIdx[i]; }
  }
  workgroupBarrier();

  // Full normaliser for the log-probability.
  let mine = blockSum(blk, 0u, M, Tl);
  let full = total(t, mine);

  // Threshold of the kept set (key >= thr); 0 keeps every column.
  var thr = 0u;
  let filtered = (P.topK > 0u && P.topK < P.vocab) || P.topP < 1.0;
  if (P.topK > 0u && P.topK < P.vocab) {
    for (var sh = 32u; sh > 0u; sh -= 4u) { thr = digitStep(t, blk, thr, 0u, sh - 4u, M, Tl, true, f32(P.topK)); }
  }
  if (P.topP < 1.0) {
    let goal = P.topP * total(t, blockSum(blk, thr, M, Tl));
    let floor = thr;
    thr = 0u;
    for (var sh = 32u; sh > 0u; sh -= 4u) { thr = digitStep(t, blk, thr, floor, sh - 4u, M, Tl, false, goal); }
    thr = max(thr, floor);
  }
  var kept = mine;
  if (filtered) { kept = blockSum(blk, thr, M, Tl); }
  let f = foldSum(t, kept);

  // Inverse CDF: the invocation whose interval [before, before + kept) holds the goalU walks its block.
  let goalU = uniform01(P.seed, P.step, P.rngRow + r) * f.y;
  var tok = NONE;
  var zTok = 0.0;
  if (greedy) {
    if (t == 0u) { tok = A; zTok = M; }
  } else if (f.x <= goalU && goalU < f.x + kept) {
    var s = 0.0;
    for (var i = blk.i0; i < blk.i1 && tok == NONE; i++) {
      let z = logits[blk.base + i];
      let w = weights(z, M, Tl);
      for (var l = 0u; l < 4u; l++) {
        let j = 4u * i + l;
        if (tok == NONE && j < P.vocab && orderKey(z[l]) >= thr) {
          s += w[l];
          if (f.x + s > goalU) { tok = j; zTok = z[l]; }
        }
      }
    }
  }
  if (tok != NONE) {
    tokens[r] = tok;
    logprobs[r] = (zTok - M) / Tl - log(full);
  }
}
