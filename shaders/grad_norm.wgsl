// The last step of the global gradient norm: stats[0] holds Σ g² (from reduce.wgsl's fixed-order
// sum of squares); this turns it into
//   stats[0] = ||g||₂
//   stats[1] = min(1, max_norm / (||g||₂ + 1e-6))   (torch.nn.utils.clip_grad_norm_), or 1 when clipping is off
// which adamw.wgsl reads as its clip factor, and the host may read for logging.

struct Params { maxNorm: f32, clipOn: u32 }

@group(0) @binding(0) var<storage, read_write> stats: array<f32>;
@group(0) @binding(1) var<uniform> p: Params;

@compute @workgroup_size(1)
fn finish() {
  let norm = sqrt(stats[0]);
  stats[0] = norm;
  stats[1] = select(1.0, min(1.0, p.maxNorm / (norm + 1e-6)), p.clipOn != 0u);
}
