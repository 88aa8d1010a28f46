// 00 naive: the plain baseline. C = A·B with A [M, K], B [K, N], C [M, N] row-major; one invocation
// per element of C, a loop over k with two scalar loads per multiply-add, no tiling, no reuse.

struct Params { M: u32, N: u32, K: u32, _pad: u32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n = gid.x;
  let m = gid.y;
  if (m >= p.M || n >= p.N) { return; }
  var s = 0.0;
  for (var k = 0u; k < p.K; k++) {
    s += A[m * p.K + k] * B[k * p.N + n];
  }
  C[m * p.N + n] = s;
}
