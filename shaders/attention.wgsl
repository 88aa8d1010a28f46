// Grouped-query causal attention, forward and backward, never holding the S x S score matrix.
// Layouts (row-major, token-major, T = B*S rows): q, o, dO, dq [T, H*HD]; k, v, dk, dv [T, KVH*HD];
// lse, delta [T, H]. Query head h reads kv head h / (H/KVH) (Hugging Face Qwen2's repeat_kv).
// Query position i of a sequence attends to keys 0..i of the same sequence; scores are
// scale * q·k with scale = 1/sqrt(HD).
//
// Why this shape (measured on lavapipe, which runs a workgroup 8 invocations at a time): every
// storage load costs a per-lane scalar loop, even at an address all lanes share, and workgroup
// memory and barriers cost more than they save. So each invocation owns R positions of one head,
// keeps their HD-long vectors as vec4s in private arrays, and each k/v (or q/dO) vec4 it loads
// serves all R positions; no barriers. A private array read at a loop index is also loaded lane
// by lane, so the streaming loop (over keys, or queries in backward_kv) goes KB at a time and
// touches each private vec4 once per block. The invocations of a workgroup own consecutive
// positions of one sequence and head, so neighbours' causal loops have nearly the same length.
// Every sum has a fixed order: results are bit-identical from run to run on one adapter.

struct Params {
  B: u32, S: u32, H: u32, KVH: u32,
  // Workgroups per (sequence, head): ceil(S / (WG * R)).
  blocks: u32, scale: f32,
  // HD / 4: the head dimension in vec4s (the host requires HD % 4 == 0 and HD <= 4 * MAX_D4). A
  // uniform, not an override: loops over it then stay loops, which lavapipe compiles in about 2 s
  // where fully unrolled ones took 10-25 s per pipeline at HD = 64.
  hd4: u32,
  // Always 0. The backward adds it to its exp loop's trip count: a bound the compiler cannot know
  // keeps that loop a loop, so det_exp is inlined once rather than R * KB times (see backward).
  _pad: u32,
}

// Positions per invocation (1..MAX_R).
override R: u32 = 2u;
const MAX_D4 = 32u;
const MAX_R = 2u;
const WG = 64u;
// Keys (forward, backward_query) or queries (backward_kv) per block of the streaming loop.
const KB = 4u;
const LOWEST = -0x1.fffffep+127f; // lowest finite f32: no infinities in the arithmetic

@group(0) @binding(0) var<storage, read> q: array<vec4f>;
@group(0) @binding(1) var<storage, read> k: array<vec4f>;
@group(0) @binding(2) var<storage, read> v: array<vec4f>;

fn hsum(x: vec4f) -> f32 { return (x.x + x.y) + (x.z + x.w); }

// What an invocation owns: sequence b, head h (a query head, or a kv head in backward_kv),
// positions i0 .. i0 + R - 1 (those < S are real), and the sequence's first row.
struct Slot { b: u32, h: u32, i0: u32, first: u32, valid: bool }

fn slot(p: Params, heads: u32, wg: vec3u, nwg: vec3u, lane: u32) -> Slot {
  let flat = wg.y * nwg.x + wg.x; // grid2d may pad the grid: workgroups past B are not valid
  let rest = flat / p.blocks;
  let b = rest / heads;
  let i0 = ((flat % p.blocks) * WG + lane) * R;
  return Slot(b, rest % heads, i0, b * p.S, b < p.B && i0 < p.S);
}

// The row of position i0 + r, clamped into the sequence (rows past its end compute on its last
// row and are not stored).
fn rowOf(p: Params, s: Slot, r: u32) -> u32 { return s.first + min(s.i0 + r, p.S - 1u); }

// ---------------------------------------------------------------------------------------------
// forward: o and lse from q, k, v, one invocation per (R positions, query head).

@group(0) @binding(3) var<storage, read_write> fw_o: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> fw_lse: array<f32>;
@group(0) @binding(5) var<uniform> fw_p: Params;

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let p = fw_p;
  let hd4 = p.hd4;
  let s = slot(p, p.H, wg, nwg, lid.x);
  if (!s.valid) { return; }
  let g = s.h / (p.H / p.KVH);
  var qs: array<array<vec4f, MAX_D4>, MAX_R>;
  var acc: array<array<vec4f, MAX_D4>, MAX_R>;
  // Online softmax: m is the running max score, l the running Σ exp(score - m), acc the running
  // Σ exp(score - m) v; a new max rescales l and acc by exp(m_old - m_new).
  var m: array<f32, MAX_R>;
  var l: array<f32, MAX_R>;
  for (var r = 0u; r < R; r++) {
    let qb = (rowOf(p, s, r) * p.H + s.h) * hd4;
    for (var c = 0u; c < hd4; c++) {
      qs[r][c] = q[qb + c] * p.scale;
      acc[r][c] = vec4f();
    }
    m[r] = LOWEST;
    l[r] = 0.0;
  }
  let last = s.first + min(s.i0 + R, p.S) - 1u;
  for (var j0 = s.first; j0 <= last; j0 += KB) {
    // Scores of KB keys, then one softmax update: q and acc are touched once per block.
    var dot = array<array<vec4f, KB>, MAX_R>(); // zeroed each block (an explicit initializer is needed)
    for (var c = 0u; c < hd4; c++) {
      var qc: array<vec4f, MAX_R>;
      for (var r = 0u; r < R; r++) { qc[r] = qs[r][c]; }
      for (var t = 0u; t < KB; t++) {
        let kc = k[(min(j0 + t, last) * p.KVH + g) * hd4 + c];
        for (var r = 0u; r < R; r++) { dot[r][t] = fma(qc[r], kc, dot[r][t]); }
      }
    }
    var corr: array<f32, MAX_R>;
    var w: array<array<f32, KB>, MAX_R>;
    for (var r = 0u; r < R; r++) {
      var score: array<f32, KB>;
      var mNew = m[r];
      for (var t = 0u; t < KB; t++) {
        score[t] = select(LOWEST, hsum(dot[r][t]), j0 + t <= s.first + s.i0 + r);
        mNew = max(mNew, score[t]);
      }
      corr[r] = det_exp(m[r] - mNew);
      var sum = 0.0;
      for (var t = 0u; t < KB; t++) {
        w[r][t] = select(0.0, det_exp(score[t] - mNew), j0 + t <= s.first + s.i0 + r);
        sum += w[r][t];
      }
      l[r] = fma(l[r], corr[r], sum);
      m[r] = mNew;
    }
    for (var c = 0u; c < hd4; c++) {
      var ac: array<vec4f, MAX_R>;
      for (var r = 0u; r < R; r++) { ac[r] = acc[r][c] * corr[r]; }
      for (var t = 0u; t < KB; t++) {
        let vc = v[(min(j0 + t, last) * p.KVH + g) * hd4 + c];
        for (var r = 0u; r < R; r++) { ac[r] = fma(vec4f(w[r][t]), vc, ac[r]); }
      }
      for (var r = 0u; r < R; r++) { acc[r][c] = ac[r]; }
    }
  }
  for (var r = 0u; r < R; r++) {
    if (s.i0 + r < p.S) {
      let row = s.first + s.i0 + r;
      let ob = (row * p.H + s.h) * hd4;
      let inv = 1.0 / l[r];
      for (var c = 0u; c < hd4; c++) { fw_o[ob + c] = acc[r][c] * inv; }
      fw_lse[row * p.H + s.h] = m[r] + det_log(l[r]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// backward, in two dispatches. With P = softmax weights exp(score - lse), dP = dO·vᵀ and
// D = rowsum(dO ∘ o) (= Σ_j P_j dP_j): dS = P (dP - D), dq = scale dS·k, dk = scale dSᵀ·q,
// dv = Pᵀ·dO. backward_query writes dq and D; backward_kv then reads D.
//
// P goes through det_exp, like the forward, so dq, dk and dv are the same bits on every adapter.
// Each block's R x KB arguments go to a private array and one loop with a run-time trip count
// (R * KB + _pad) takes their det_exp: written inside the unrolled R x KB tile instead, det_exp
// (~100 integer operations) was inlined 8 times per pipeline and lavapipe's cold compile of the
// two backward pipelines went from ~140 s of CPU to minutes more (docs/kernels-attention.md);
// with the loop it costs what the builtin exp did.

@group(0) @binding(3) var<storage, read> bq_o: array<vec4f>;
@group(0) @binding(4) var<storage, read> bq_lse: array<f32>;
@group(0) @binding(5) var<storage, read> bq_dO: array<vec4f>;
@group(0) @binding(6) var<storage, read_write> bq_dq: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> bq_delta: array<f32>;
@group(0) @binding(8) var<uniform> bw_p: Params;

// dq and D, one invocation per (R query positions, query head), looping over the causal keys.
@compute @workgroup_size(WG)
fn backward_query(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let p = bw_p;
  let hd4 = p.hd4;
  let s = slot(p, p.H, wg, nwg, lid.x);
  if (!s.valid) { return; }
  let g = s.h / (p.H / p.KVH);
  var qs: array<array<vec4f, MAX_D4>, MAX_R>;
  var dO: array<array<vec4f, MAX_D4>, MAX_R>;
  var dq: array<array<vec4f, MAX_D4>, MAX_R>;
  var lse: array<f32, MAX_R>;
  var delta: array<f32, MAX_R>;
  for (var r = 0u; r < R; r++) {
    let row = rowOf(p, s, r);
    let qb = (row * p.H + s.h) * hd4;
    var d = vec4f();
    for (var c = 0u; c < hd4; c++) {
      qs[r][c] = q[qb + c] * p.scale;
      dO[r][c] = bq_dO[qb + c];
      dq[r][c] = vec4f();
      d = fma(dO[r][c], bq_o[qb + c], d);
    }
    delta[r] = hsum(d);
    lse[r] = bq_lse[row * p.H + s.h];
  }
  let last = s.first + min(s.i0 + R, p.S) - 1u;
  for (var j0 = s.first; j0 <= last; j0 += KB) {
    var dot = array<array<vec4f, KB>, MAX_R>(); // zeroed each block (an explicit initializer is needed)
    var dp = array<array<vec4f, KB>, MAX_R>();
    for (var c = 0u; c < hd4; c++) {
      var qc: array<vec4f, MAX_R>;
      var dOc: array<vec4f, MAX_R>;
      for (var r = 0u; r < R; r++) { qc[r] = qs[r][c]; dOc[r] = dO[r][c]; }
      for (var t = 0u; t < KB; t++) {
        let kb = (min(j0 + t, last) * p.KVH + g) * hd4 + c;
        let kc = k[kb];
        let vc = v[kb];
        for (var r = 0u; r < R; r++) {
          dot[r][t] = fma(qc[r], kc, dot[r][t]);
          dp[r][t] = fma(dOc[r], vc, dp[r][t]);
        }
      }
    }
    // P of the block, in a loop the compiler keeps (see above); dead keys' P are computed and dropped.
    var pe: array<f32, MAX_R * KB>;
    for (var r = 0u; r < R; r++) {
      for (var t = 0u; t < KB; t++) { pe[r * KB + t] = hsum(dot[r][t]) - lse[r]; }
    }
    for (var i = 0u; i < R * KB + p._pad; i++) { pe[i] = det_exp(pe[i]); }
    var ds: array<array<f32, KB>, MAX_R>;
    for (var r = 0u; r < R; r++) {
      for (var t = 0u; t < KB; t++) {
        let live = j0 + t <= s.first + s.i0 + r;
        ds[r][t] = select(0.0, pe[r * KB + t] * (hsum(dp[r][t]) - delta[r]), live);
      }
    }
    for (var c = 0u; c < hd4; c++) {
      var a: array<vec4f, MAX_R>;
      for (var r = 0u; r < R; r++) { a[r] = dq[r][c]; }
      for (var t = 0u; t < KB; t++) {
        let kc = k[(min(j0 + t, last) * p.KVH + g) * hd4 + c];
        for (var r = 0u; r < R; r++) { a[r] = fma(vec4f(ds[r][t]), kc, a[r]); }
      }
      for (var r = 0u; r < R; r++) { dq[r][c] = a[r]; }
    }
  }
  for (var r = 0u; r < R; r++) {
    if (s.i0 + r < p.S) {
      let row = s.first + s.i0 + r;
      let qb = (row * p.H + s.h) * hd4;
      for (var c = 0u; c < hd4; c++) { bq_dq[qb + c] = dq[r][c] * p.scale; }
      bq_delta[row * p.H + s.h] = delta[r];
    }
  }
}

@group(0) @binding(3) var<storage, read> bkv_lse: array<f32>;
@group(0) @binding(4) var<storage, read> bkv_dO: array<vec4f>;
@group(0) @binding(5) var<storage, read> bkv_delta: array<f32>;
@group(0) @binding(6) var<storage, read_write> bkv_dk: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> bkv_dv: array<vec4f>;

// dk and dv, one invocation per (R key positions, kv head). Its sums run over the group's query
// heads in order, and for each over the causal query positions in order: no atomics, a fixed order.
@compute @workgroup_size(WG)
fn backward_kv(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let p = bw_p;
  let hd4 = p.hd4;
  let s = slot(p, p.KVH, wg, nwg, lid.x);
  if (!s.valid) { return; }
  let group = p.H / p.KVH;
  var ks: array<array<vec4f, MAX_D4>, MAX_R>;
  var vs: array<array<vec4f, MAX_D4>, MAX_R>;
  var dk: array<array<vec4f, MAX_D4>, MAX_R>;
  var dv: array<array<vec4f, MAX_D4>, MAX_R>;
  for (var r = 0u; r < R; r++) {
    let kb = (rowOf(p, s, r) * p.KVH + s.h) * hd4;
    for (var c = 0u; c < hd4; c++) {
      ks[r][c] = k[kb + c];
      vs[r][c] = v[kb + c];
      dk[r][c] = vec4f();
      dv[r][c] = vec4f();
    }
  }
  // Queries from its first key's position on (masking, for later keys, the queries before them).
  let start = s.first + s.i0;
  let end = s.first + p.S;
  for (var h = s.h * group; h < (s.h + 1u) * group; h++) {
    for (var i0 = start; i0 < end; i0 += KB) {
      // KB queries at once: each private vec4 (k, v, dk, dv) is touched once per KB queries.
      var dot = array<array<vec4f, KB>, MAX_R>(); // zeroed each block (an explicit initializer is needed)
      var dp = array<array<vec4f, KB>, MAX_R>();
      for (var c = 0u; c < hd4; c++) {
        var kc: array<vec4f, MAX_R>;
        var vc: array<vec4f, MAX_R>;
        for (var r = 0u; r < R; r++) { kc[r] = ks[r][c]; vc[r] = vs[r][c]; }
        for (var t = 0u; t < KB; t++) {
          let qb = (min(i0 + t, end - 1u) * p.H + h) * hd4 + c;
          let qc = q[qb] * p.scale; // scores as the forward computes them, bit for bit
          let dOc = bkv_dO[qb];
          for (var r = 0u; r < R; r++) {
            dot[r][t] = fma(qc, kc[r], dot[r][t]);
            dp[r][t] = fma(dOc, vc[r], dp[r][t]);
          }
        }
      }
      var pe: array<f32, MAX_R * KB>; // P of the block, as in backward_query
      for (var t = 0u; t < KB; t++) {
        let lse = bkv_lse[min(i0 + t, end - 1u) * p.H + h];
        for (var r = 0u; r < R; r++) { pe[r * KB + t] = hsum(dot[r][t]) - lse; }
      }
      for (var e = 0u; e < R * KB + p._pad; e++) { pe[e] = det_exp(pe[e]); }
      var pr: array<array<f32, KB>, MAX_R>;
      var ds: array<array<f32, KB>, MAX_R>;
      for (var t = 0u; t < KB; t++) {
        let i = min(i0 + t, end - 1u);
        let delta = bkv_delta[i * p.H + h];
        for (var r = 0u; r < R; r++) {
          let live = i0 + t >= s.first + s.i0 + r && i0 + t < end;
          pr[r][t] = select(0.0, pe[r * KB + t], live);
          ds[r][t] = pr[r][t] * (hsum(dp[r][t]) - delta);
        }
      }
      // q and dO are loaded again rather than kept: on lavapipe a storage load costs less than a
      // private array's store and load at a loop index.
      for (var c = 0u; c < hd4; c++) {
        var dkc: array<vec4f, MAX_R>;
        var dvc: array<vec4f, MAX_R>;
        for (var r = 0u; r < R; r++) { dkc[r] = dk[r][c]; dvc[r] = dv[r][c]; }
        for (var t = 0u; t < KB; t++) {
          let qb = (min(i0 + t, end - 1u) * p.H + h) * hd4 + c;
          let qc = q[qb] * p.scale;
          let dOc = bkv_dO[qb];
          for (var r = 0u; r < R; r++) {
            dvc[r] = fma(vec4f(pr[r][t]), dOc, dvc[r]);
            dkc[r] = fma(vec4f(ds[r][t]), qc, dkc[r]);
          }
        }
        for (var r = 0u; r < R; r++) { dk[r][c] = dkc[r]; dv[r][c] = dvc[r]; }
      }
    }
  }
  for (var r = 0u; r < R; r++) {
    if (s.i0 + r < p.S) {
      let kb = ((s.first + s.i0 + r) * p.KVH + s.h) * hd4;
      for (var c = 0u; c < hd4; c++) {
        bkv_dk[kb + c] = dk[r][c];
        bkv_dv[kb + c] = dv[r][c];
      }
    }
  }
}
