// BENCH / DIAGNOSTIC ONLY: the platform builtins under the names shaders/detmath.wgsl exports, so that
// `setTranscendentals('builtin')` (ts/gpu/kernel.ts) can build every kernel without the deterministic
// exp and log and the train bench can measure what they cost (issue 13). Results built with this
// differ between adapters; nothing that trains or evaluates uses it. Keep the signatures equal to
// detmath.wgsl's (test/unit/detmath-builtin.test.ts checks).

fn det_exp(x: f32) -> f32 {
  return exp(x);
}

fn det_exp4(v: vec4f) -> vec4f {
  return exp(v);
}

fn det_log(x: f32) -> f32 {
  return log(x);
}
