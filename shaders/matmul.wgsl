// Batched matrix product C[b] = alpha * op(A[b]) · op(B[b]) + beta * C[b], op = transpose or not.
// Layouts (row-major): A is [M, K] (or [K, M] when TRANS_A), B is [K, N] (or [N, K] when TRANS_B),
// C is [M, N]. Batch strides are in elements; a stride of 0 broadcasts (a shared weight).
//
// Why this shape: on lavapipe (llvmpipe) every storage-buffer load inside a loop is emitted as a
// per-lane scalar loop with a bounds check, so the cost is the number of load instructions, and a
// vec4 load costs little more than a scalar one. Each invocation therefore keeps a 4 x 8
// register tile and reads whole vec4s (12 of them per 4 steps of k, for 128 FMAs), with
// no workgroup memory and no barriers. GPUs do fine with the same tile.
// Each vec4 invocation covers 4 rows x 8 columns; a workgroup WG_Y*4 rows x WG_X*8 columns.
// `main_vec4` needs K, N (and M when TRANS_A) to be multiples of 4; `main_scalar` takes any size.

struct Params {
  M: u32, N: u32, K: u32, _pad: u32,
  strideA: u32, strideB: u32, strideC: u32, _pad2: u32,
  alpha: f32, beta: f32,
}

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
// Each invocation of main_vec4 owns rows row..row+3 and the vec4 columns col and col + WG_X:
// eight vec4 accumulators. Written out by hand: llvmpipe keeps these in registers, while loops
// over private arrays compiled to memory traffic there (3 vs 7 GFLOP/s per core).

@group(0) @binding(0) var<storage, read> A4: array<vec4f>;
@group(0) @binding(1) var<storage, read> B4: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> C4: array<vec4f>;
@group(0) @binding(3) var<uniform> p: Params;

// Four vec4s: rows of a 4x4 block.
struct Quad { q0: vec4f, q1: vec4f, q2: vec4f, q3: vec4f }

fn transpose4(t: Quad) -> Quad {
  return Quad(vec4f(t.q0.x, t.q1.x, t.q2.x, t.q3.x), vec4f(t.q0.y, t.q1.y, t.q2.y, t.q3.y),
              vec4f(t.q0.z, t.q1.z, t.q2.z, t.q3.z), vec4f(t.q0.w, t.q1.w, t.q2.w, t.q3.w));
}

// op(A)[row + i, 4k .. 4k+3] for i = 0..3 (rows clamped into range).
fn loadA(base: u32, row: u32, k: u32) -> Quad {
  let M = p.M;
  if (TRANS_A) {
    // A is [K, M]: rows 4k..4k+3 hold m = row..row+3 as one vec4 each.
    let M4 = M / 4u;
    let m4 = min(row / 4u, M4 - 1u);
    let s = base + 4u * k * M4 + m4;
    return transpose4(Quad(A4[s], A4[s + M4], A4[s + 2u * M4], A4[s + 3u * M4]));
  }
  let K4 = p.K / 4u;
  return Quad(A4[base + min(row, M - 1u) * K4 + k], A4[base + min(row + 1u, M - 1u) * K4 + k],
              A4[base + min(row + 2u, M - 1u) * K4 + k], A4[base + min(row + 3u, M - 1u) * K4 + k]);
}

// op(B)[4k + q, 4col .. 4col+3] for q = 0..3 (col clamped into range).
fn loadB(base: u32, col: u32, k: u32) -> Quad {
  let N4 = p.N / 4u;
  let c = min(col, N4 - 1u);
  if (TRANS_B) {
    // B is [N, K]: rows n..n+3 hold k-quads; transpose the 4x4 block.
    let K4 = p.K / 4u;
    let s = base + 4u * c * K4 + k;
    return transpose4(Quad(B4[s], B4[s + K4], B4[s + 2u * K4], B4[s + 3u * K4]));
  }
  let s = base + 4u * k * N4 + c;
  return Quad(B4[s], B4[s + N4], B4[s + 2u * N4], B4[s + 3u * N4]);
}

// acc + a[q] * b.q for q = 0..3 (one row of A's k-quad against four rows of B).
fn mac(acc: vec4f, a: vec4f, b: Quad) -> vec4f {
  return fma(vec4f(a.w), b.q3, fma(vec4f(a.z), b.q2, fma(vec4f(a.y), b.q1, fma(vec4f(a.x), b.q0, acc))));
}

fn store4(base: u32, row: u32, col: u32, v: vec4f) {
  if (row < p.M && col < p.N / 4u) {
    let i = base + row * (p.N / 4u) + col;
    var out = p.alpha * v;
    if (p.beta != 0.0) { out += p.beta * C4[i]; }
    C4[i] = out;
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn main_vec4(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let K4 = p.K / 4u;
  let a0 = wg.z * p.strideA / 4u; let b0 = wg.z * p.strideB / 4u; let c0 = wg.z * p.strideC / 4u;
  let row = (wg.y * WG_Y + lid.y) * 4u;
  let colA = wg.x * WG_X * 2u + lid.x;
  let colB = colA + WG_X;
  var c00 = vec4f(); var c01 = vec4f(); var c10 = vec4f(); var c11 = vec4f();
  var c20 = vec4f(); var c21 = vec4f(); var c30 = vec4f(); var c31 = vec4f();
  for (var k = 0u; k < K4; k++) {
    let a = loadA(a0, row, k);
    let bA = loadB(b0, colA, k);
    let bB = loadB(b0, colB, k);
    c00 = mac(c00, a.q0, bA); c01 = mac(c01, a.q0, bB);
    c10 = mac(c10, a.q1, bA); c11 = mac(c11, a.q1, bB);
    c20 = mac(c20, a.q2, bA); c21 = mac(c21, a.q2, bB);
    c30 = mac(c30, a.q3, bA); c31 = mac(c31, a.q3, bB);
  }
  store4(c0, row, colA, c00); store4(c0, row, colB, c01);
  store4(c0, row + 1u, colA, c10); store4(c0, row + 1u, colB, c11);
  store4(c0, row + 2u, colA, c20); store4(c0, row + 2u, colB, c21);
  store4(c0, row + 3u, colA, c30); store4(c0, row + 3u, colB, c31);
}

@group(0) @binding(0) var<storage, read> A1: array<f32>;
@group(0) @binding(1) var<storage, read> B1: array<f32>;
@group(0) @binding(2) var<storage, read_write> C1: array<f32>;

// Any sizes: one output element per invocation. Serves shapes that are not multiples of 4.
@compute @workgroup_size(WG_X, WG_Y)
fn main_scalar(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wg: vec3u) {
  let M = p.M; let N = p.N; let K = p.K;
  let n = gid.x; let m = gid.y;
  if (m >= M || n >= N) { return; }
  let a0 = wg.z * p.strideA; let b0 = wg.z * p.strideB; let c0 = wg.z * p.strideC;
  var s = 0.0;
  for (var k = 0u; k < K; k++) {
    var av: f32;
    var bv: f32;
    if (TRANS_A) { av = A1[a0 + k * M + m]; } else { av = A1[a0 + m * K + k]; }
    if (TRANS_B) { bv = B1[b0 + n * K + k]; } else { bv = B1[b0 + k * N + n]; }
    s = fma(av, bv, s);
  }
  let i = c0 + m * N + n;
  var v = p.alpha * s;
  if (p.beta != 0.0) { v += p.beta * C1[i]; }
  C1[i] = v;
}
