// Attention backward for discrete GPUs (flash-attention style): the same dq, D, dk and dv as the
// backward of shaders/attention.wgsl, bit for bit on the same adapter, with the streamed operands
// staged in workgroup memory. Layouts, masking and grouped heads as there: q, o, dO, dq [T, H*HD];
// k, v, dk, dv [T, KVH*HD]; lse, delta [T, H]. Two dispatches, as there: backward_query writes dq
// and D = rowsum(dO ∘ o), then backward_kv reads D.
//
// The host (ts/ops/attention_tiled.ts) prepends WG, the invocations per workgroup, TV, the vec4s
// per staged array of backward_query's tile (k and v), and shaders/attention_tiled_common.wgsl; backward_kv stages q·scale and dO in
// arrays of TVQ vec4s and lse and D in arrays of TQ floats, the same 32·TV bytes. R (1 or 2
// positions per invocation) and hd4 are the pipeline constants RC and HD4 on a GPU, else (0)
// uniforms, exactly as in shaders/attention_tiled.wgsl.
//
// Bit-identity with shaders/attention.wgsl's backward: every per-row operation is the same, in the
// same order, with the same operands (read from workgroup memory instead of storage).
// - backward_query is its block loop over keys with k and v staged as the tiled forward stages
//   them (blocks of KB keys from the sequence's start, never straddling a tile; masked keys read at
//   the lavapipe kernel's clamped `last`, since fma(0, k, dq) can turn -0 into +0 by k's sign).
// - backward_kv: in the lavapipe kernel a key row's dk and dv are one chain of fma over the group's
//   query heads in order and, for each, over the queries i0p .. qend in order, where i0p is the first
//   key of the row's pair (R = 2 there) and qend closes the last block of KB queries from i0p (the
//   queries past S - 1 read at S - 1, masked). Those queries are staged tile by tile; an invocation
//   runs exactly that chain, in blocks of KB from i0p, cut where a block straddles two tiles (only
//   the number of queries per block changes, not the chain). Masked queries are computed and added
//   with P = 0, as there.
// det_exp runs in a loop of R * KB + _pad trips (_pad = 0, a uniform), as in the lavapipe backward,
// so lavapipe compiles one inlined copy rather than R * KB.

const TQ = 64u; // most queries per backward_kv tile
const TVQ = TV - TQ / 4u; // vec4s of q and of dO per backward_kv tile: 32 * TVQ + 8 * TQ = 32 * TV bytes

@group(0) @binding(8) var<uniform> p: Params;

// ---------------------------------------------------------------------------------------------
// backward_query: dq and D, one invocation per (R query positions, query head); k and v staged.

@group(0) @binding(3) var<storage, read> bq_o: array<vec4f>;
@group(0) @binding(4) var<storage, read> bq_lse: array<f32>;
@group(0) @binding(5) var<storage, read> bq_dO: array<vec4f>;
@group(0) @binding(6) var<storage, read_write> bq_dq: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> bq_delta: array<f32>;

var<workgroup> kw: array<vec4f, TV>;
var<workgroup> vw: array<vec4f, TV>;

@compute @workgroup_size(WG)
fn backward_query(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
                  @builtin(local_invocation_index) lane: u32) {
  let w = owner(p.H, wg, nwg);
  if (!w.valid) { return; }
  let R = w.R;
  let hd4 = w.hd4;
  let g = w.h / (p.H / p.KVH);
  let i0 = w.base + lane * R;
  // The workgroup's last position, and this invocation's last key (the lavapipe kernel's `last`).
  let wgLast = min(w.base + WG * R, p.S) - 1u;
  let last = min(i0 | 1u, p.S - 1u);
  let live = i0 < p.S;
  let tk = (TV / hd4) & ~(KB - 1u); // keys per tile

  var qs: array<array<vec4f, MAX_D4>, MAX_R>;
  var dO: array<array<vec4f, MAX_D4>, MAX_R>;
  var dq: array<array<vec4f, MAX_D4>, MAX_R>;
  var lse: array<f32, MAX_R>;
  var delta: array<f32, MAX_R>;
  for (var r = 0u; r < R; r++) {
    let row = w.first + min(i0 + r, p.S - 1u);
    let qb = (row * p.H + w.h) * hd4;
    var d = vec4f();
    for (var c = 0u; c < hd4; c++) {
      qs[r][c] = q[qb + c] * p.scale;
      dO[r][c] = bq_dO[qb + c];
      dq[r][c] = vec4f();
      d = fma(dO[r][c], bq_o[qb + c], d);
    }
    delta[r] = hsum(d);
    lse[r] = bq_lse[row * p.H + w.h];
  }

  for (var t0 = 0u; t0 <= wgLast; t0 += tk) {
    // Stage keys t0 .. t0 + tk - 1 (past wgLast: its row; never read unmasked).
    for (var e = lane; e < tk * hd4; e += WG) {
      let src = ((w.first + min(t0 + e / hd4, wgLast)) * p.KVH + g) * hd4 + e % hd4;
      kw[e] = k[src];
      vw[e] = v[src];
    }
    workgroupBarrier();
    let end = select(0u, min(t0 + tk - 1u, last), live); // this invocation's last key in the tile
    for (var j0 = t0; live && j0 <= end; j0 += KB) {
      var dot = array<array<vec4f, KB>, MAX_R>();
      var dp = array<array<vec4f, KB>, MAX_R>();
      for (var c = 0u; c < hd4; c++) {
        for (var t = 0u; t < KB; t++) {
          let e = (min(j0 + t, last) - t0) * hd4 + c;
          let kc = kw[e];
          let vc = vw[e];
          for (var r = 0u; r < R; r++) {
            dot[r][t] = fma(qs[r][c], kc, dot[r][t]);
            dp[r][t] = fma(dO[r][c], vc, dp[r][t]);
          }
        }
      }
      var pe: array<f32, MAX_R * KB>;
      for (var r = 0u; r < R; r++) {
        for (var t = 0u; t < KB; t++) { pe[r * KB + t] = hsum(dot[r][t]) - lse[r]; }
      }
      for (var e = 0u; e < R * KB + p._pad; e++) { pe[e] = det_exp(pe[e]); }
      var ds: array<array<f32, KB>, MAX_R>;
      for (var r = 0u; r < R; r++) {
        for (var t = 0u; t < KB; t++) {
          ds[r][t] = select(0.0, pe[r * KB + t] * (hsum(dp[r][t]) - delta[r]), j0 + t <= i0 + r);
        }
      }
      for (var c = 0u; c < hd4; c++) {
        var a: array<vec4f, MAX_R>;
        for (var r = 0u; r < R; r++) { a[r] = dq[r][c]; }
        for (var t = 0u; t < KB; t++) {
          let kc = kw[(min(j0 + t, last) - t0) * hd4 + c];
          for (var r = 0u; r < R; r++) { a[r] = fma(vec4f(ds[r][t]), kc, a[r]); }
        }
        for (var r = 0u; r < R; r++) { dq[r][c] = a[r]; }
      }
    }
    workgroupBarrier();
  }

  for (var r = 0u; r < R; r++) {
    if (i0 + r < p.S) {
      let row = w.first + i0 + r;
      let qb = (row * p.H + w.h) * hd4;
      for (var c = 0u; c < hd4; c++) { bq_dq[qb + c] = dq[r][c] * p.scale; }
      bq_delta[row * p.H + w.h] = delta[r];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// backward_kv: dk and dv, one invocation per (R key positions, kv head); q·scale, dO, lse and D of
// each query head of the group staged tile by tile.

@group(0) @binding(3) var<storage, read> bkv_lse: array<f32>;
@group(0) @binding(4) var<storage, read> bkv_dO: array<vec4f>;
@group(0) @binding(5) var<storage, read> bkv_delta: array<f32>;
@group(0) @binding(6) var<storage, read_write> bkv_dk: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> bkv_dv: array<vec4f>;

var<workgroup> qw: array<vec4f, TVQ>;
var<workgroup> dOw: array<vec4f, TVQ>;
var<workgroup> lsew: array<f32, TQ>;
var<workgroup> deltaw: array<f32, TQ>;

@compute @workgroup_size(WG)
fn backward_kv(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
               @builtin(local_invocation_index) lane: u32) {
  let w = owner(p.KVH, wg, nwg);
  if (!w.valid) { return; }
  let R = w.R;
  let hd4 = w.hd4;
  let heads = p.H / p.KVH;
  let i0 = w.base + lane * R;
  let live = i0 < p.S;
  // The lavapipe kernel's chain of queries for this row (see the header): i0p .. qend.
  let i0p = i0 & ~1u;
  let qend = i0p + (p.S - min(i0p, p.S) + KB - 1u) / KB * KB - 1u;
  let tq = min(TVQ / hd4, TQ) & ~(KB - 1u); // queries per tile

  var ks: array<array<vec4f, MAX_D4>, MAX_R>;
  var vs: array<array<vec4f, MAX_D4>, MAX_R>;
  var dk: array<array<vec4f, MAX_D4>, MAX_R>;
  var dv: array<array<vec4f, MAX_D4>, MAX_R>;
  for (var r = 0u; r < R; r++) {
    let kb = ((w.first + min(i0 + r, p.S - 1u)) * p.KVH + w.h) * hd4;
    for (var c = 0u; c < hd4; c++) {
      ks[r][c] = k[kb + c];
      vs[r][c] = v[kb + c];
      dk[r][c] = vec4f();
      dv[r][c] = vec4f();
    }
  }

  for (var h = w.h * heads; h < (w.h + 1u) * heads; h++) {
    // Tiles from the workgroup's first key to the last qend of any row (at most S + KB - 2).
    for (var t0 = w.base; t0 <= p.S + KB - 2u; t0 += tq) {
      // Stage queries t0 .. t0 + tq - 1 (past S - 1: row S - 1, as the lavapipe kernel reads them).
      for (var e = lane; e < tq * hd4; e += WG) {
        let src = ((w.first + min(t0 + e / hd4, p.S - 1u)) * p.H + h) * hd4 + e % hd4;
        qw[e] = q[src] * p.scale;
        dOw[e] = bkv_dO[src];
      }
      for (var e = lane; e < tq; e += WG) {
        let row = (w.first + min(t0 + e, p.S - 1u)) * p.H + h;
        lsew[e] = bkv_lse[row];
        deltaw[e] = bkv_delta[row];
      }
      workgroupBarrier();
      let hi = min(qend, t0 + tq - 1u); // this invocation's last query in the tile
      for (var j0 = max(i0p, t0); live && j0 <= hi; j0 += KB) {
        let n = min(KB, hi + 1u - j0); // queries of the chain in this block
        var dot = array<array<vec4f, KB>, MAX_R>();
        var dp = array<array<vec4f, KB>, MAX_R>();
        for (var c = 0u; c < hd4; c++) {
          for (var t = 0u; t < KB; t++) {
            let e = (min(j0 + t, hi) - t0) * hd4 + c;
            let qc = qw[e];
            let dOc = dOw[e];
            for (var r = 0u; r < R; r++) {
              dot[r][t] = fma(qc, ks[r][c], dot[r][t]);
              dp[r][t] = fma(dOc, vs[r][c], dp[r][t]);
            }
          }
        }
        var pe: array<f32, MAX_R * KB>;
        for (var t = 0u; t < KB; t++) {
          let lse = lsew[min(j0 + t, hi) - t0];
          for (var r = 0u; r < R; r++) { pe[r * KB + t] = hsum(dot[r][t]) - lse; }
        }
        for (var e = 0u; e < R * KB + p._pad; e++) { pe[e] = det_exp(pe[e]); }
        var pr: array<array<f32, KB>, MAX_R>;
        var ds: array<array<f32, KB>, MAX_R>;
        for (var t = 0u; t < KB; t++) {
          let delta = deltaw[min(j0 + t, hi) - t0];
          for (var r = 0u; r < R; r++) {
            pr[r][t] = select(0.0, pe[r * KB + t], j0 + t >= i0 + r && j0 + t < p.S);
            ds[r][t] = pr[r][t] * (hsum(dp[r][t]) - delta);
          }
        }
        for (var c = 0u; c < hd4; c++) {
          var dkc: array<vec4f, MAX_R>;
          var dvc: array<vec4f, MAX_R>;
          for (var r = 0u; r < R; r++) { dkc[r] = dk[r][c]; dvc[r] = dv[r][c]; }
          for (var t = 0u; t < KB; t++) {
            if (t < n) {
              let e = (j0 + t - t0) * hd4 + c;
              let qc = qw[e];
              let dOc = dOw[e];
              for (var r = 0u; r < R; r++) {
                dvc[r] = fma(vec4f(pr[r][t]), dOc, dvc[r]);
                dkc[r] = fma(vec4f(ds[r][t]), qc, dkc[r]);
              }
            }
          }
          for (var r = 0u; r < R; r++) { dk[r][c] = dkc[r]; dv[r][c] = dvc[r]; }
        }
      }
      workgroupBarrier();
    }
  }

  for (var r = 0u; r < R; r++) {
    if (i0 + r < p.S) {
      let kb = ((w.first + i0 + r) * p.KVH + w.h) * hd4;
      for (var c = 0u; c < hd4; c++) {
        bkv_dk[kb + c] = dk[r][c];
        bkv_dv[kb + c] = dv[r][c];
      }
    }
  }
}
