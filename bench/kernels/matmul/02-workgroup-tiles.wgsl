// 02 workgroup tiles: the textbook GPU matmul ("2D block tiling"). C = A·B with A [M, K], B [K, N],
// C [M, N] row-major, any sizes. A workgroup of 16 x 16 invocations owns a 64 x 64 tile of C. For
// each slice of 16 along k it stages A's 64 x 16 and B's 16 x 64 blocks in workgroup memory (zeros
// past the edges), then every invocation accumulates its 4 x 4 block from there: each value loaded
// from global memory serves 16 invocations' multiply-adds, against 1 in 00 and a 4 x 8 register
// tile's reuse in 01 (the engine's shader, which uses no workgroup memory or barriers: see
// shaders/matmul.wgsl for why that suits lavapipe).
// Measured on lavapipe (2 shared vCPUs, load ~14, 2026-11-27): 0.41x of 01 at 1024^3. Not yet
// measured on a real GPU, where it is the one expected to win.

struct Params { M: u32, N: u32, K: u32, _pad: u32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

const TILE = 64u; // rows and columns of C per workgroup
const TK = 16u; // k per stage
const THREADS = 256u; // 16 x 16 invocations

// As[k * 16 + i] holds rows 4i..4i+3 of the A block at k; Bs[k * 16 + j] columns 4j..4j+3 of B's.
var<workgroup> As: array<vec4f, 256>;
var<workgroup> Bs: array<vec4f, 256>;

fn loadA(m: u32, k: u32) -> f32 {
  if (m < p.M && k < p.K) { return A[m * p.K + k]; }
  return 0.0;
}

fn loadB(k: u32, n: u32) -> f32 {
  if (k < p.K && n < p.N) { return B[k * p.N + n]; }
  return 0.0;
}

fn store(m: u32, n0: u32, v: vec4f) {
  if (m >= p.M) { return; }
  let at = m * p.N + n0;
  if (n0 < p.N) { C[at] = v.x; }
  if (n0 + 1u < p.N) { C[at + 1u] = v.y; }
  if (n0 + 2u < p.N) { C[at + 2u] = v.z; }
  if (n0 + 3u < p.N) { C[at + 3u] = v.w; }
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let m0 = wg.y * TILE;
  let n0 = wg.x * TILE;
  var c0 = vec4f(); var c1 = vec4f(); var c2 = vec4f(); var c3 = vec4f();
  for (var k0 = 0u; k0 < p.K; k0 += TK) {
    // 1024 values of each block, 4 per invocation; consecutive invocations read consecutive addresses.
    for (var r = 0u; r < 4u; r++) {
      let e = li + r * THREADS;
      let ak = e % TK; let am = e / TK; // A block: 64 rows of 16
      As[ak * 16u + am / 4u][am % 4u] = loadA(m0 + am, k0 + ak);
      let bn = e % TILE; let bk = e / TILE; // B block: 16 rows of 64
      Bs[bk * 16u + bn / 4u][bn % 4u] = loadB(k0 + bk, n0 + bn);
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k++) {
      let a = As[k * 16u + lid.y];
      let b = Bs[k * 16u + lid.x];
      c0 = fma(vec4f(a.x), b, c0);
      c1 = fma(vec4f(a.y), b, c1);
      c2 = fma(vec4f(a.z), b, c2);
      c3 = fma(vec4f(a.w), b, c3);
    }
    workgroupBarrier();
  }
  let m = m0 + lid.y * 4u;
  let n = n0 + lid.x * 4u;
  store(m, n, c0);
  store(m + 1u, n, c1);
  store(m + 2u, n, c2);
  store(m + 3u, n, c3);
}
