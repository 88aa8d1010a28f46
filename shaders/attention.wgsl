// Grouped-query causal attention, forward and backward, never holding the S x S score matrix.
// Layouts (row-major, token-major, T = B*S rows): q, o, dO, dq [T, H*HD]; k, v, dk, dv [T, KVH*HD];
// lse, delta [T, H]. Query head h reads kv head h / (H/KVH) (Hugging Face Qwen2's repeat_kv).
// Query position i of a sequence attends to keys 0..i of the same sequence; scores are
// scale * q·k with scale = 1/sqrt(HD).
//
// Why this shape: on lavapipe every storage load costs a per-lane scalar loop (even at an address
// that is the same for all lanes), while workgroup memory and barriers cost more than they save.
// So each invocation owns R rows of one head, keeps their HD-long vectors in registers as vec4s
// (private arrays in loops of constant trip count, which the compiler unrolls into registers),
// and each k/v (or q/dO) vec4 it loads serves all R rows. No barriers. The invocations of a
// workgroup own consecutive positions of one sequence and head, and all run the same loop (to the
// workgroup's last causal position, masking the rest), so none idles long. Every sum has a fixed
// order: results are bit-identical from run to run on one adapter.

struct Params {
  B: u32, S: u32, H: u32, KVH: u32,
  // Workgroups per (sequence, head): ceil(S / (WG * R)).
  blocks: u32, scale: f32, _pad0: u32, _pad1: u32,
}

// HD / 4: the head dimension in vec4s (the host requires HD % 4 == 0 and HD <= 4 * MAX_D4).
override HD4: u32 = 16u;
// Positions per invocation (1..MAX_R).
override R: u32 = 2u;
const MAX_D4 = 32u;
const MAX_R = 2u;
const WG = 64u;
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
    let qb = (rowOf(p, s, r) * p.H + s.h) * HD4;
    for (var c = 0u; c < HD4; c++) {
      qs[r][c] = q[qb + c] * p.scale;
      acc[r][c] = vec4f();
    }
    m[r] = LOWEST;
    l[r] = 0.0;
  }
  let last = s.first + min(s.i0 - lid.x * R + WG * R, p.S) - 1u;
  for (var j = s.first; j <= last; j++) {
    let kb = (j * p.KVH + g) * HD4;
    var dot = array<vec4f, MAX_R>(); // zeroed each key (an explicit initializer is needed)
    for (var c = 0u; c < HD4; c++) {
      let kc = k[kb + c];
      for (var r = 0u; r < R; r++) { dot[r] = fma(qs[r][c], kc, dot[r]); }
    }
    var corr: array<f32, MAX_R>;
    var w: array<f32, MAX_R>;
    for (var r = 0u; r < R; r++) {
      let live = j <= s.first + s.i0 + r;
      let score = select(LOWEST, hsum(dot[r]), live);
      let mNew = max(m[r], score);
      corr[r] = exp(m[r] - mNew);
      w[r] = select(0.0, exp(score - mNew), live);
      l[r] = fma(l[r], corr[r], w[r]);
      m[r] = mNew;
    }
    for (var c = 0u; c < HD4; c++) {
      let vc = v[kb + c];
      for (var r = 0u; r < R; r++) { acc[r][c] = fma(acc[r][c], vec4f(corr[r]), w[r] * vc); }
    }
  }
  for (var r = 0u; r < R; r++) {
    if (s.i0 + r < p.S) {
      let row = s.first + s.i0 + r;
      let ob = (row * p.H + s.h) * HD4;
      let inv = 1.0 / l[r];
      for (var c = 0u; c < HD4; c++) { fw_o[ob + c] = acc[r][c] * inv; }
      fw_lse[row * p.H + s.h] = m[r] + log(l[r]);
    }
  }
}
