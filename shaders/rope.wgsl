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

struct Params { T: u32, S: u32, offset: u32, half4: u32, heads: u32, kvHeads: u32, sign: f32, _pad: u32 }

const WG = 64u;

// Where one invocation works: its head's first vec4 in q or k, and its table row.
struct Site { live: bool, isQ: bool, base: u32, tab: u32 }

fn site(wg: vec3u, nwg: vec3u, lid: vec3u) -> Site {
  let i = (wg.y * nwg.x + wg.x) * WG + lid.x;
  let perToken = p.heads + p.kvHeads;
  let t = i / perToken;
  let h = i - t * perToken;
  let width = 2u * p.half4;
  let tab = (p.offset + t % p.S) * width;
  if (h < p.heads) { return Site(t < p.T, true, (t * p.heads + h) * width, tab); }
  return Site(t < p.T, false, (t * p.kvHeads + h - p.heads) * width, tab);
}

struct Pair { lo: vec4f, hi: vec4f }

fn turn(x1: vec4f, x2: vec4f, cs: vec4f, sn: vec4f) -> Pair {
  return Pair(x1 * cs - x2 * sn, x2 * cs + x1 * sn);
}

@group(0) @binding(0) var<storage, read_write> q: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> k: array<vec4f>;
@group(0) @binding(2) var<storage, read> table: array<vec4f>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn rotate(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let s = site(wg, nwg, lid);
  if (!s.live) { return; }
  for (var c = 0u; c < p.half4; c++) {
    let cs = table[s.tab + c];
    let sn = p.sign * table[s.tab + p.half4 + c];
    let lo = s.base + c;
    let hi = lo + p.half4;
    if (s.isQ) {
      let r = turn(q[lo], q[hi], cs, sn);
      q[lo] = r.lo; q[hi] = r.hi;
    } else {
      let r = turn(k[lo], k[hi], cs, sn);
      k[lo] = r.lo; k[hi] = r.hi;
    }
  }
}
