// Cross-entropy over the vocabulary fused with its gradient, for a chunk of token rows.
// logits is [rows, stride] (columns past `vocab` are padding: they take no part in the softmax and
// get gradient 0). For token t = rowOffset + r with weight w = mask[t] (0 or 1, or any weight):
//   loss[t]       = w * (logsumexp(logits[r, :vocab]) - logits[r, targets[t]])
//   logits[r, j] <- w * scale * (softmax(logits[r])[j] - [j == targets[t]])     (when GRAD)
// The gradient overwrites the logits (in place: the logits buffer is the largest thing in the step).
// A row with w == 0 writes loss 0 and a zero gradient without reading its logits or its target
// (so padding tokens may carry any target). An unmasked row whose target is >= vocab gets NaN loss
// and gradient, so the mistake shows.
//
// ce_entropy_vec4 adds an entropy bonus for RL: with H[t] the entropy of softmax(logits[r]) and
// e = ent[t] its weight, it also writes entropy[t] = H and adds the gradient of -e * H,
//   e * p_j * (log p_j + H) = e * p_j * (logits[r, j] - logsumexp + H),
// and skips a row only when both w and e are 0.
//
// One invocation per row: on lavapipe every storage load is a per-lane scalar loop, so a lane
// walking its own row costs the same loads as a workgroup tree, without workgroup memory or
// barriers. The max and the sum of exponentials come from one online pass (rescaling the sum when
// the max grows: one exp per element), the gradient from a second.

struct Params {
  rows: u32,
  vocab: u32,
  stride: u32,
  rowOffset: u32,
  scale: f32,
}

override GRAD: bool = true;
const WG = 32u;
const LOWEST = -0x1.fffffep+127f;  // lowest finite f32

@group(0) @binding(1) var<storage, read> targets: array<u32>;
@group(0) @binding(2) var<storage, read> mask: array<f32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

fn row_index(wg: vec3u, nwg: vec3u, lid: vec3u) -> u32 {
  return (wg.y * nwg.x + wg.x) * WG + lid.x;
}

// Online (max, sum of exp(x - max)) with x added: exp(-|x - m|) is either the new term or the
// factor that rescales the old sum.
fn online(ms: vec2f, x: f32) -> vec2f {
  let m = ms.x;
  let grows = x > m;
  let e = det_exp(select(x - m, m - x, grows));
  return vec2f(max(m, x), select(ms.y + e, ms.y * e + 1.0, grows));
}

fn nan() -> f32 {
  var bits = 0x7fc00000u;  // a var: a constant NaN is a compile error
  return bitcast<f32>(bits);
}

// What the gradient pass needs: weight times scale, target, 1/sum, max.
struct Row { w: f32, tgt: u32, inv: f32, m: f32 }

// Writes the loss; returns the row's gradient constants (w == 0: nothing read). The params come
// as an argument: the entropy entry binds its own (its buffers take binding 4).
fn finish(q: Params, t: u32, ms: vec2f, zt: f32, w: f32, tgt: u32) -> Row {
  if (tgt >= q.vocab) {
    loss[t] = nan();
    return Row(nan(), tgt, nan(), nan());
  }
  loss[t] = w * ((ms.x + det_log(ms.y)) - zt);
  return Row(w * q.scale, tgt, 1.0 / ms.y, ms.x);
}

@group(0) @binding(0) var<storage, read_write> L1: array<f32>;

// Any vocab and stride.
@compute @workgroup_size(WG)
fn ce_scalar(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = row_index(wg, nwg, lid);
  if (r >= p.rows) { return; }
  let t = p.rowOffset + r;
  let base = r * p.stride;
  let w = mask[t];
  if (w == 0.0) {
    loss[t] = 0.0;
    if (GRAD) { for (var j = 0u; j < p.stride; j++) { L1[base + j] = 0.0; } }
    return;
  }
  let tgt = targets[t];
  var ms = vec2f(LOWEST, 0.0);
  for (var j = 0u; j < p.vocab; j++) { ms = online(ms, L1[base + j]); }
  let row = finish(p, t, ms, L1[base + min(tgt, p.vocab - 1u)], w, tgt);
  if (!GRAD) { return; }
  for (var j = 0u; j < p.stride; j++) {
    let x = L1[base + j];
    var g = det_exp(x - row.m) * row.inv - select(0.0, 1.0, j == row.tgt);
    L1[base + j] = select(g * row.w, 0.0, j >= p.vocab);
  }
}

@group(0) @binding(0) var<storage, read_write> L4: array<vec4f>;

// online() that also carries u = sum of exp(x - max) * (x - max), rescaled when the max grows, for
// the entropy H = log(sum) - u / sum. Every term is relative to the max, so large logits lose
// nothing to cancellation.
fn online_u(msu: vec3f, x: f32) -> vec3f {
  let m = msu.x;
  let grows = x > m;
  let e = det_exp(select(x - m, m - x, grows));
  return select(vec3f(m, msu.y + e, msu.z + e * (x - m)), vec3f(x, msu.y * e + 1.0, (msu.z + msu.y * (m - x)) * e), grows);
}

// (max, sum of exp(x - max), and with `withU` sum of exp(x - max) * (x - max)) over the first
// `vocab` entries of the row of `quads` vec4s at `base`.
fn stats4(base: u32, quads: u32, vocab: u32, withU: bool) -> vec3f {
  let full = vocab / 4u;
  var msu = vec3f(LOWEST, 0.0, 0.0);
  for (var q = 0u; q < full; q++) {
    let x = L4[base + q];
    if (withU) {
      msu = online_u(online_u(online_u(online_u(msu, x.x), x.y), x.z), x.w);
    } else {
      msu = vec3f(online(online(online(online(msu.xy, x.x), x.y), x.z), x.w), 0.0);
    }
  }
  if (full < quads) {
    let x = L4[base + full];
    for (var c = 0u; c < vocab % 4u; c++) { msu = select(vec3f(online(msu.xy, x[c]), 0.0), online_u(msu, x[c]), withU); }
  }
  return msu;
}

fn zero_row4(base: u32, quads: u32) {
  if (GRAD) { for (var q = 0u; q < quads; q++) { L4[base + q] = vec4f(); } }
}

// One row of the vec4 entries (stride % 4 == 0): the loss, and dlogits plus the gradient of -e * H.
// Returns H when `withU` (0 for a skipped row). ce_vec4 passes e = 0 and no entropy, so the plain
// loss pays for neither.
fn ce_row4(q: Params, r: u32, w: f32, e: f32, withU: bool) -> f32 {
  let t = q.rowOffset + r;
  let quads = q.stride / 4u;
  let base = r * quads;
  if (w == 0.0 && e == 0.0) {
    loss[t] = 0.0;
    zero_row4(base, quads);
    return 0.0;
  }
  let tgt = targets[t];
  let msu = stats4(base, quads, q.vocab, withU);
  let tc = min(tgt, q.vocab - 1u);
  let row = finish(q, t, msu.xy, L4[base + tc / 4u][tc % 4u], w, tgt);
  let mean = msu.z * row.inv;  // E_p[z - max]
  if (GRAD) {
    let lane = vec4u(0u, 1u, 2u, 3u);
    for (var k = 0u; k < quads; k++) {
      let j = 4u * k + lane;
      let z = L4[base + k];
      let pj = det_exp4(z - row.m) * row.inv;
      var g = (pj - select(vec4f(), vec4f(1.0), j == vec4u(row.tgt))) * row.w;
      // z - logsumexp + H = (z - max) - E_p[z - max]
      if (withU) { g += e * pj * ((z - row.m) - mean); }
      L4[base + k] = select(g, vec4f(), j >= vec4u(q.vocab));
    }
  }
  return det_log(msu.y) - mean;
}

// stride % 4 == 0: whole vec4s per row (a vocabulary padded to a multiple of 4, or one that is).
@compute @workgroup_size(WG)
fn ce_vec4(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = row_index(wg, nwg, lid);
  if (r >= p.rows) { return; }
  ce_row4(p, r, mask[p.rowOffset + r], 0.0, false);
}

// Bindings 4 and 5 are p's slot and the next: WGSL allows that across entry points, and every
// dispatch binds its buffers first and its uniform after them.
@group(0) @binding(4) var<storage, read> ent: array<f32>;
@group(0) @binding(5) var<storage, read_write> entropy: array<f32>;
@group(0) @binding(6) var<uniform> pe: Params;

// ce_vec4 with the entropy bonus (stride % 4 == 0).
@compute @workgroup_size(WG)
fn ce_entropy_vec4(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = row_index(wg, nwg, lid);
  if (r >= pe.rows) { return; }
  let t = pe.rowOffset + r;
  entropy[t] = ce_row4(pe, r, mask[t], ent[t], true);
}
