// Workgroup-memory block tiles for discrete GPUs: the same product as shaders/matmul.wgsl,
// C[b] = alpha * op(A[b]) · op(B[b]) + beta * C[b], any sizes, every layout. The layout is a
// uniform (transA, transB in the words matmul.wgsl leaves as padding), not an override: one
// pipeline per tile serves all layouts (a compile costs 5-20 s on SwiftShader), and the branch is
// taken per staged element, uniformly across the workgroup.
// The host (ts/ops/matmul_tiled.ts) prepends the tile shape as constants: BM x BN outputs per
// workgroup, TM x TN per invocation (so (BN / TN) x (BM / TM) invocations), BK steps of k staged
// per barrier, LA / LB = elements of the A / B block each invocation copies per stage, and IN, the
// element type of A and B: f32, or f16 (with `enable f16;`, where the adapter has shader-f16: half
// the bytes read; each value widened to f32 as staged, products and sums in f32, C in f32).
//
// Each stage copies A's BM x BK and B's BK x BN blocks into workgroup memory (zeros past the
// edges), so every value read from global memory serves BN / TN (or BM / TM) invocations. Two
// buffers per operand (double buffering): the next stage's values are read from global memory into
// registers before this stage's multiply-adds and written to the other buffer after them, so the
// loads overlap the arithmetic and one barrier per stage suffices.
//
// Bit-identical to shaders/matmul.wgsl on the same adapter: each output is one f32 accumulator,
// starting at 0, updated acc = fma(a_k, b_k, acc) for k ascending, then alpha * acc (+ beta * C).
// The zeros past K add fma(0, 0, acc) = acc exactly (acc is never -0: it starts at +0, and a sum
// that rounds to zero is +0). Do not split k across invocations or accumulators: that changes bits.

struct Params {
  M: u32, N: u32, K: u32, transA: u32,
  strideA: u32, strideB: u32, strideC: u32, transB: u32,
  alpha: f32, beta: f32,
}

const WX = BN / TN; // invocations along n
const WY = BM / TM; // invocations along m
const THREADS = WX * WY;

@group(0) @binding(0) var<storage, read> A: array<IN>;
@group(0) @binding(1) var<storage, read> B: array<IN>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

// k-major blocks as vec4s: element k * BM + m of buffer `buf` is As[buf][(k * BM + m) / 4][m % 4]
// (B likewise with BN, n). An invocation reads its TM (TN) values at one k as TM / 4 (TN / 4) vec4s:
// 16-byte accesses, consecutive across invocations, so fewer workgroup-memory bank conflicts.
var<workgroup> As: array<array<vec4f, BK * BM / 4u>, 2>;
var<workgroup> Bs: array<array<vec4f, BK * BN / 4u>, 2>;

fn putA(buf: u32, m: u32, k: u32, v: f32) {
  let e = k * BM + m;
  As[buf][e / 4u][e % 4u] = v;
}

fn putB(buf: u32, k: u32, n: u32, v: f32) {
  let e = k * BN + n;
  Bs[buf][e / 4u][e % 4u] = v;
}

// op(A)[m, k] of batch base a0, or 0 outside [M, K].
fn readA(a0: u32, m: u32, k: u32) -> f32 {
  if (m >= p.M || k >= p.K) { return 0.0; }
  if (p.transA != 0u) { return f32(A[a0 + k * p.M + m]); }
  return f32(A[a0 + m * p.K + k]);
}

// op(B)[k, n] of batch base b0, or 0 outside [K, N].
fn readB(b0: u32, k: u32, n: u32) -> f32 {
  if (k >= p.K || n >= p.N) { return 0.0; }
  if (p.transB != 0u) { return f32(B[b0 + n * p.K + k]); }
  return f32(B[b0 + k * p.N + n]);
}

// Element e of a block (0 .. BM*BK) as (m, k): consecutive invocations walk the operand's
// contiguous index (k when A is [M, K], m when it is [K, M]), so global reads coalesce.
fn blockA(e: u32) -> vec2u {
  if (p.transA != 0u) { return vec2u(e % BM, e / BM); }
  return vec2u(e / BK, e % BK);
}

fn blockB(e: u32) -> vec2u {
  if (p.transB != 0u) { return vec2u(e % BK, e / BK); } // (k, n)
  return vec2u(e / BN, e % BN);
}

@compute @workgroup_size(WX, WY)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) tid: u32,
        @builtin(local_invocation_id) lid: vec3u) {
  let a0 = wg.z * p.strideA; let b0 = wg.z * p.strideB; let c0 = wg.z * p.strideC;
  let m0 = wg.y * BM; let n0 = wg.x * BN;
  let stages = (p.K + BK - 1u) / BK;

  var ra: array<f32, LA>;
  var rb: array<f32, LB>;
  var acc: array<f32, TM * TN>;
  for (var i = 0u; i < TM * TN; i++) { acc[i] = 0.0; }

  // Stage 0 straight into buffer 0.
  for (var i = 0u; i < LA; i++) {
    let mk = blockA(tid + i * THREADS);
    putA(0u, mk.x, mk.y, readA(a0, m0 + mk.x, mk.y));
  }
  for (var i = 0u; i < LB; i++) {
    let kn = blockB(tid + i * THREADS);
    putB(0u, kn.x, kn.y, readB(b0, kn.x, n0 + kn.y));
  }
  workgroupBarrier();

  for (var s = 0u; s < stages; s++) {
    let cur = s % 2u;
    let more = s + 1u < stages;
    if (more) {
      let k1 = (s + 1u) * BK;
      for (var i = 0u; i < LA; i++) {
        let mk = blockA(tid + i * THREADS);
        ra[i] = readA(a0, m0 + mk.x, k1 + mk.y);
      }
      for (var i = 0u; i < LB; i++) {
        let kn = blockB(tid + i * THREADS);
        rb[i] = readB(b0, k1 + kn.x, n0 + kn.y);
      }
    }
    for (var k = 0u; k < BK; k++) {
      var av: array<vec4f, TM / 4u>;
      var bv: array<vec4f, TN / 4u>;
      for (var i = 0u; i < TM / 4u; i++) { av[i] = As[cur][(k * BM + lid.y * TM) / 4u + i]; }
      for (var j = 0u; j < TN / 4u; j++) { bv[j] = Bs[cur][(k * BN + lid.x * TN) / 4u + j]; }
      for (var i = 0u; i < TM; i++) {
        let a = av[i / 4u][i % 4u];
        for (var j = 0u; j < TN; j++) { acc[i * TN + j] = fma(a, bv[j / 4u][j % 4u], acc[i * TN + j]); }
      }
    }
    if (more) {
      let nxt = 1u - cur;
      for (var i = 0u; i < LA; i++) {
        let mk = blockA(tid + i * THREADS);
        putA(nxt, mk.x, mk.y, ra[i]);
      }
      for (var i = 0u; i < LB; i++) {
        let kn = blockB(tid + i * THREADS);
        putB(nxt, kn.x, kn.y, rb[i]);
      }
    }
    workgroupBarrier();
  }

  // The epilogue of shaders/matmul.wgsl, element by element.
  for (var i = 0u; i < TM; i++) {
    let m = m0 + lid.y * TM + i;
    for (var j = 0u; j < TN; j++) {
      let n = n0 + lid.x * TN + j;
      if (m < p.M && n < p.N) {
        let o = c0 + m * p.N + n;
        var v = p.alpha * acc[i * TN + j];
        if (p.beta != 0.0) { v += p.beta * C[o]; }
        C[o] = v;
      }
    }
  }
}
