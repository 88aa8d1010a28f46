// Public face of studies: plans of runs keyed by their configuration (plan.ts), one run executed
// through the stages (execute.ts), the in-process runner (runner.ts) and reports (report.ts).
export {
  expandPlan,
  expandRuns,
  parseSet,
  runDirName,
  SCALES,
  type Kind,
  type Plan,
  type PlanNode,
  type RunSpec,
  type Scale,
  type ScaleName,
  type StudyDef,
} from './plan.js';
export { DONE_FILE, executeNode, markDone, readDone, type DoneRecord, type NodeEnv } from './execute.js';
export {
  PLAN_FILE,
  planStatus,
  planText,
  runPlan,
  type Execute,
  type NodeState,
  type RunnerOptions,
} from './runner.js';
export { buildReport, reportFigures, reportMarkdown, type StudyReport } from './report.js';
