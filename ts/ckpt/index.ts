// Public face of checkpoints: safetensors, named tensors <-> the flat parameter layout, checkpoint
// save/load (atomic, hashed) and run directories (lock, config, metric rows), for every stage.
export { decodeSafetensors, encodeSafetensors, type Decoded, type Tensor } from './safetensors.js';
export { packParams, unpackParams } from './weights.js';
export {
  isCheckpointDir,
  latestCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  stepDirName,
  type Checkpoint,
  type CheckpointContent,
  type TrainerState,
} from './checkpoint.js';
export { claimRunDir, configText, LOCK_FILE, truncateMetrics, type ConfigUpgrade } from './rundir.js';
