// Public face of evaluation: pass@k, the evaluation loop, problem sources, calibration, runs.
export { defaultKs, passAtK } from './passk.js';
export { aggregate, splitOf, SPLITS, type Aggregates, type GroupStats, type ProblemResult } from './aggregate.js';
export {
  evaluateProblems,
  planEvaluation,
  samplerCalls,
  type Codec,
  type Sampler,
  type SamplingConfig,
} from './evaluate.js';
export { datasetProblems, EVAL_PROBLEM_SEED, generatorProblems, templateQuota } from './problems.js';
export { DEFAULT_RULE, proposeRange, type Calibration, type CalibrationRule } from './calibrate.js';
export {
  evalLockPath,
  evaluateToFile,
  finishEval,
  journalPath,
  resolveCheckpoint,
  runEval,
  type EvalConfig,
  type EvalResults,
} from './run.js';
export { checkSettings, EVAL_SCHEMA, type EvalSettings } from './settings.js';
export { openSamples, SAMPLES_FORMAT, sampleRecords, type SampleRecord, type SamplesHeader } from './samples.js';
