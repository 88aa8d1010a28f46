// Rotary position embedding in HF's rotate_half convention: within each head of headDim values,
// pair i (i < headDim/2) is (x[i], x[i + headDim/2]), rotated by the angle of position `pos` and
// frequency i:  lo = x1·cos - x2·sin,  hi = x2·cos + x1·sin  (HF: q·cos + rotate_half(q)·sin).
// The backward is the inverse rotation (sign = -1: sin negated).
// q is [T, heads·headDim], k is [T, kvHeads·headDim]; token t of a sequence of S has position
// offset + t mod S. The cos/sin table comes from the host ([positions, headDim]: row p holds the
// headDim/2 cosines, then the headDim/2 sines), computed as HF does (f32 angles) but with
// correctly rounded cos/sin: WGSL's cos/sin are only accurate near [-π, π].
// In place only: the forward's q and k are needed only rotated (attention and its backward), and
// the backward's dq, dk only unrotated (the projections' backward).
// One invocation per (token, head), looping over the head's vec4s (headDim a multiple of 8).
// `rotate_at` takes each token's position from a buffer instead (decoding sequences of different
// lengths together).

struct Params { T: u32, S: u32, offset: u32, half4: u32, heads: u32, kvHeads: u32, sign: f32, _pad: u32 }

const WG = 64u;

// Where invocation i works: its token, and its head's first vec4 in q or k.
struct Site { live: bool, isQ: bool, base: u32, t: u32 }

fn site(i: u32, pp: Params) -> Site {
  let perToken = pp.heads + pp.kvHeads;
  let t = i / perToken;
  let h = i - t * perToken;
  let width = 2u * pp.half4;
  if (h < pp.heads) { return Site(t < pp.T, true, (t * pp.heads + h) * width, t); }
  return Site(t < pp.T, false, (t * pp.kvHeads + h - pp.heads) * width, t);
}

struct Pair { lo: vec4f, hi: vec4f }

fn turn(x1: vec4f, x2: vec4f, cs: vec4f, sn: vec4f) -> Pair {
  return Pair(x1 * cs - x2 * sn, x2 * cs + x1 * sn);
}

@group(0) @binding(0) var<storage, read_write> q: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> k: array<vec4f>;
@group(0) @binding(2) var<storage, read> table: array<vec4f>;

// Rotates one head by table row `tab` (the first of its cosines).
fn rotateHead(s: Site, tab: u32, half4: u32, sign: f32) {
  for (var c = 0u; c < half4; c++) {
    let cs = table[tab + c];
    let sn = sign * table[tab + half4 + c];
    let lo = s.base + c;
    let hi = lo + half4;
    if (s.isQ) {
      let r = turn(q[lo], q[hi], cs, sn);
      q[lo] = r.lo; q[hi] = r.hi;
    } else {
      let r = turn(k[lo], k[hi], cs, sn);
      k[lo] = r.lo; k[hi] = r.hi;
    }
  }
}

fn invocation(wg: vec3u, nwg: vec3u, lid: vec3u) -> u32 {
  return (wg.y * nwg.x + wg.x) * WG + lid.x;
}

@group(0) @binding(3) var<uniform> p: Params;

// Token t of a sequence of S at position offset + t mod S (training, prefill).
@compute @workgroup_size(WG)
fn rotate(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let s = site(invocation(wg, nwg, lid), p);
  if (!s.live) { return; }
  rotateHead(s, (p.offset + s.t % p.S) * 2u * p.half4, p.half4, p.sign);
}

@group(0) @binding(3) var<storage, read> positions: array<u32>;
@group(0) @binding(4) var<uniform> pa: Params;

// Token t at positions[t] (decoding: each sequence at its own length).
@compute @workgroup_size(WG)
fn rotate_at(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let s = site(invocation(wg, nwg, lid), pa);
  if (!s.live) { return; }
  rotateHead(s, positions[s.t] * 2u * pa.half4, pa.half4, pa.sign);
}
