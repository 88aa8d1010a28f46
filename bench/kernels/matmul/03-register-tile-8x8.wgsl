// 03 register tile 8x8: an entry appended to shaders/matmul.wgsl (it uses that file's bindings,
// Params, loadA, loadB, mac and store4), the engine's main_vec4 with twice the rows per invocation:
// 8 rows x 8 columns in sixteen vec4 accumulators. Per 4 steps of k it loads 16 vec4s for 256
// multiply-adds, where main_vec4 loads 12 for 128: fewer loads per FMA, which is what costs on
// lavapipe, against more registers and half the invocations. Needs K and N to be multiples of 4.
// Measured on lavapipe (2 shared vCPUs, load ~14, 2026-11-27): 1.31x of 01 at 1024^3, then 0.51x at
// 512^3, 1.06x at 2048x768x768, 0.74x at 2048x3072x768: inconclusive; measure on a quiet machine.

@compute @workgroup_size(WG_X, WG_Y)
fn main_8x8(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let K4 = p.K / 4u;
  let a0 = wg.z * p.strideA / 4u; let b0 = wg.z * p.strideB / 4u; let c0 = wg.z * p.strideC / 4u;
  let row = (wg.y * WG_Y + lid.y) * 8u;
  let colA = wg.x * WG_X * 2u + lid.x;
  let colB = colA + WG_X;
  var c00 = vec4f(); var c01 = vec4f(); var c10 = vec4f(); var c11 = vec4f();
  var c20 = vec4f(); var c21 = vec4f(); var c30 = vec4f(); var c31 = vec4f();
  var c40 = vec4f(); var c41 = vec4f(); var c50 = vec4f(); var c51 = vec4f();
  var c60 = vec4f(); var c61 = vec4f(); var c70 = vec4f(); var c71 = vec4f();
  for (var k = 0u; k < K4; k++) {
    let a = loadA(a0, row, k);
    let e = loadA(a0, row + 4u, k);
    let bA = loadB(b0, colA, k);
    let bB = loadB(b0, colB, k);
    c00 = mac(c00, a.q0, bA); c01 = mac(c01, a.q0, bB);
    c10 = mac(c10, a.q1, bA); c11 = mac(c11, a.q1, bB);
    c20 = mac(c20, a.q2, bA); c21 = mac(c21, a.q2, bB);
    c30 = mac(c30, a.q3, bA); c31 = mac(c31, a.q3, bB);
    c40 = mac(c40, e.q0, bA); c41 = mac(c41, e.q0, bB);
    c50 = mac(c50, e.q1, bA); c51 = mac(c51, e.q1, bB);
    c60 = mac(c60, e.q2, bA); c61 = mac(c61, e.q2, bB);
    c70 = mac(c70, e.q3, bA); c71 = mac(c71, e.q3, bB);
  }
  store4(c0, row, colA, c00); store4(c0, row, colB, c01);
  store4(c0, row + 1u, colA, c10); store4(c0, row + 1u, colB, c11);
  store4(c0, row + 2u, colA, c20); store4(c0, row + 2u, colB, c21);
  store4(c0, row + 3u, colA, c30); store4(c0, row + 3u, colB, c31);
  store4(c0, row + 4u, colA, c40); store4(c0, row + 4u, colB, c41);
  store4(c0, row + 5u, colA, c50); store4(c0, row + 5u, colB, c51);
  store4(c0, row + 6u, colA, c60); store4(c0, row + 6u, colB, c61);
  store4(c0, row + 7u, colA, c70); store4(c0, row + 7u, colB, c71);
}
