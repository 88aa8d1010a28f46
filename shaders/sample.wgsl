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
// One workgroup per row (64 invocations by default; 8 suits CPU adapters, where barriers cost most).
// Every result is independent of the workgroup size WG and of the adapter: the row's vec4 columns
// are cut into NC = 64 contiguous chunks (their bounds depend only on the row stride), each chunk is
// summed by one invocation in column order into its own slot, and the NC slots are folded in chunk
// order; invocation t owns the NC / WG consecutive chunks from t * NC / WG. So
// the cumulative sum of the draw is "chunks before j, then chunk j in order" for every WG. The
// weights use det_exp and the normaliser det_log (shaders/detmath.wgsl): the same bits everywhere.
// Thresholds are found without sorting, by building the largest order-preserving key 4 bits at a
// time (8 passes over the row). ts/ref/sample.ts (sampleRowF32) is a bit-exact model.

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

override WG: u32 = 64u;  // invocations per row (a power of two in [4, NC])
override NC: u32;        // chunks per row (64, SAMPLE_CHUNKS of ts/ref/sample.ts): fixes every sum's order
const NONE = 0xffffffffu;

@group(0) @binding(0) var<storage, read> logits: array<vec4f>;
@group(0) @binding(1) var<storage, read> temps: array<f32>;
@group(0) @binding(2) var<storage, read_write> tokens: array<u32>;
@group(0) @binding(3) var<storage, read_write> logprobs: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

var<workgroup> part: array<f32, NC>;
var<workgroup> partIdx: array<u32, NC>;

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

// The chunks' partials (part[j], written by their owners) folded in chunk order; the same total in
// every invocation. part is left as it is until the next chunkSums.
fn fold() -> f32 {
  workgroupBarrier();
  var s = 0.0;
  for (var j = 0u; j < NC; j++) { s += part[j]; }
  workgroupBarrier();
  return s;
}

// Chunk j of a row: vec4 columns [i0, i1) of the row that starts at vec4 `base`.
struct Block { base: u32, i0: u32, i1: u32 }

fn chunk(base: u32, j: u32) -> Block {
  let c = (P.stride4 + NC - 1u) / NC;
  return Block(base, min(j * c, P.stride4), min(j * c + c, P.stride4));
}

// The chunks invocation t owns: [first, end).
fn owned(t: u32) -> vec2u {
  let per = NC / WG;
  return vec2u(t * per, t * per + per);
}

var<workgroup> tallies: array<vec4f, 4 * NC>;  // [chunk * 4 + q]: candidate digits 4q+1 .. 4q+4
var<workgroup> folded: array<vec4f, 4>;

// One 4-bit digit of a threshold search. thr holds the digits found so far (bits below sh + 4 are
// zero); returns thr with the largest digit d such that the kept columns (key >= floor) with key >=
// thr | d << sh have a count (or weight) of at least `goal`. The 15 candidates' tallies are summed
// per chunk in column order (vec4 compares, no scatter), then folded in chunk order.
fn digitStep(t: u32, base: u32, thr: u32, floor: u32, sh: u32, m: f32, T: f32, count: bool, goal: f32) -> u32 {
  let hi = thr >> sh;
  let own = owned(t);
  for (var j = own.x; j < own.y; j++) {
    let b = chunk(base, j);
    var c0 = vec4f(0.0); var c1 = vec4f(0.0); var c2 = vec4f(0.0); var c3 = vec4f(0.0);
    for (var i = b.i0; i < b.i1; i++) {
      let z = logits[b.base + i];
      var w = vec4f(1.0);
      if (!count) { w = weightsAt(i, z, m, T); }
      for (var l = 0u; l < 4u; l++) {
        let k = orderKey(z[l]);
        if (4u * i + l < P.vocab && k >= floor && (k >> sh) >= hi) {
          let d = vec4u((k >> sh) - hi);
          let x = vec4f(w[l]);
          c0 += select(vec4f(0.0), x, d >= vec4u(1u, 2u, 3u, 4u));
          c1 += select(vec4f(0.0), x, d >= vec4u(5u, 6u, 7u, 8u));
          c2 += select(vec4f(0.0), x, d >= vec4u(9u, 10u, 11u, 12u));
          c3 += select(vec4f(0.0), x, d >= vec4u(13u, 14u, 15u, 16u));
        }
      }
    }
    tallies[j * 4u] = c0; tallies[j * 4u + 1u] = c1; tallies[j * 4u + 2u] = c2; tallies[j * 4u + 3u] = c3;
  }
  workgroupBarrier();
  if (t < 4u) {
    var s = vec4f(0.0);
    for (var j = 0u; j < NC; j++) { s += tallies[j * 4u + t]; }
    folded[t] = s;
  }
  let c = workgroupUniformLoad(&folded);
  for (var d = 15u; d > 0u; d--) {
    if (c[(d - 1u) / 4u][(d - 1u) % 4u] >= goal) { return thr | (d << sh); }
  }
  return thr;
}

// Unnormalised probabilities at temperature T (the one expression both the sums and the draw use).
fn weights(z: vec4f, m: f32, T: f32) -> vec4f {
  return det_exp4((z - m) / T);
}

// With top-p on (11 passes over the weights), a row of up to WCACHE vec4 columns has its weights
// computed once, into wcache (det_exp costs several builtin exps on lavapipe); a longer row, or one
// with fewer passes (where lavapipe's gathers and scatters would cost more than they save),
// recomputes them in each pass. The same bits either way; each invocation reads only its chunks.
const WCACHE = 640u;
var<workgroup> wcache: array<vec4f, WCACHE>;
var<private> cached = false;

// The weights of the row's vec4 column i, whose logits are z.
fn weightsAt(i: u32, z: vec4f, m: f32, T: f32) -> vec4f {
  if (cached) { return wcache[i]; }
  return weights(z, m, T);
}

// Writes part[j], the sum of chunk j's kept weights (key >= thr) in column order, for t's chunks.
fn chunkSums(t: u32, base: u32, thr: u32, m: f32, T: f32) {
  let own = owned(t);
  for (var j = own.x; j < own.y; j++) {
    let b = chunk(base, j);
    var s = 0.0;
    for (var i = b.i0; i < b.i1; i++) {
      let z = logits[b.base + i];
      let w = weightsAt(i, z, m, T);
      for (var l = 0u; l < 4u; l++) {
        if (4u * i + l < P.vocab && orderKey(z[l]) >= thr) { s += w[l]; }
      }
    }
    part[j] = s;
  }
}

@compute @workgroup_size(WG)
fn sample(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = wg.x;
  let t = lid.x;
  if (r >= P.B) { return; }  // uniform across the workgroup
  let base = (P.logitsRow + r * P.rowStep) * P.stride4;
  let own = owned(t);
  var T = P.temperature;
  if (P.perRow == 1u) { T = temps[r]; }
  let greedy = !(T > 0.0);
  let Tl = select(T, 1.0, greedy);

  // Max and first argmax per chunk, then over chunks in order.
  for (var j = own.x; j < own.y; j++) {
    let b = chunk(base, j);
    var m = 0.0;
    var a = NONE;
    for (var i = b.i0; i < b.i1; i++) {
      let z = logits[base + i];
      for (var l = 0u; l < 4u; l++) {
        let col = 4u * i + l;
        if (col < P.vocab && (a == NONE || z[l] > m)) { m = z[l]; a = col; }
      }
    }
    part[j] = m;
    partIdx[j] = a;
  }
  workgroupBarrier();
  var M = 0.0;
  var A = NONE;
  for (var j = 0u; j < NC; j++) {
    if (partIdx[j] != NONE && (A == NONE || part[j] > M)) { M = part[j]; A = partIdx[j]; }
  }
  workgroupBarrier();

  if (P.topP < 1.0 && P.stride4 <= WCACHE) {
    for (var j = own.x; j < own.y; j++) {
      let b = chunk(base, j);
      for (var i = b.i0; i < b.i1; i++) { wcache[i] = weights(logits[base + i], M, Tl); }
    }
    cached = true;
  }

  // Full normaliser for the log-probability.
  chunkSums(t, base, 0u, M, Tl);
  let full = fold();

  // Threshold of the kept set (key >= thr); 0 keeps every column.
  var thr = 0u;
  let filtered = (P.topK > 0u && P.topK < P.vocab) || P.topP < 1.0;
  if (P.topK > 0u && P.topK < P.vocab) {
    for (var sh = 32u; sh > 0u; sh -= 4u) { thr = digitStep(t, base, thr, 0u, sh - 4u, M, Tl, true, f32(P.topK)); }
  }
  if (P.topP < 1.0) {
    chunkSums(t, base, thr, M, Tl);
    let goal = P.topP * fold();
    let floor = thr;
    thr = 0u;
    for (var sh = 32u; sh > 0u; sh -= 4u) { thr = digitStep(t, base, thr, floor, sh - 4u, M, Tl, false, goal); }
    thr = max(thr, floor);
  }
  var kept = full;
  if (filtered) {
    chunkSums(t, base, thr, M, Tl);
    kept = fold();
  }

  // Inverse CDF: the chunk whose interval [before, before + part[j]) holds goalU (the same in every
  // invocation), walked by its owner.
  let goalU = uniform01(P.seed, P.step, P.rngRow + r) * kept;
  var J = NC;
  var before = 0.0;
  for (var j = 0u; j < NC && J == NC; j++) {
    let next = before + part[j];
    if (goalU < next) { J = j; } else { before = next; }
  }
  var tok = NONE;
  var zTok = 0.0;
  if (greedy) {
    if (t == 0u) { tok = A; zTok = M; }
  } else if (own.x <= J && J < own.y) {
    let b = chunk(base, J);
    var s = 0.0;
    for (var i = b.i0; i < b.i1 && tok == NONE; i++) {
      let z = logits[base + i];
      let w = weightsAt(i, z, M, Tl);
      for (var l = 0u; l < 4u; l++) {
        let col = 4u * i + l;
        if (tok == NONE && col < P.vocab && orderKey(z[l]) >= thr) {
          s += w[l];
          if (before + s > goalU) { tok = col; zTok = z[l]; }
        }
      }
    }
  }
  if (tok != NONE) {
    tokens[r] = tok;
    logprobs[r] = (zTok - M) / Tl - det_log(full);
  }
}
