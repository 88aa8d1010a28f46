// The engine as one API object, for a page's Dedicated Worker (ts/worker/worker.ts) and for Node's
// worker_threads (harness/worker/node.ts) alike: a thin layer over the stage functions, on an
// injected run store, the GPU opened once on first use (navigator.gpu in a browser, Dawn in Node:
// whichever provider the bootstrap installed). A stage's callbacks (progress, rows, notes) are
// functions, Comlink.proxy'd across threads; every call to them has returned before the stage's
// result does, so a caller holding the result has had every report and row.
import { preset as stagePreset } from '../config/presets.js';
import { generateMany, type GenerateManyOptions, type Problem } from '../data/generator.js';
import { loadCheckpoint } from '../ckpt/index.js';
import { evaluateToFile, resolveCheckpoint, type EvalResults } from '../eval/run.js';
import { EVAL_SCHEMA, type EvalSettings } from '../eval/settings.js';
import { Gpu, type GpuOptions } from '../gpu/index.js';
import type { Qwen2Config } from '../model/config.js';
import { paramLayout } from '../model/params.js';
import { loadProtocol, runProtocol, type ProtocolFingerprint } from '../repro/protocol.js';
import type { RunStore } from '../store/store.js';
import { validateRunConfig, type RunConfig } from '../train/runconfig.js';
import { runTraining, type StageResult } from '../train/stage.js';
import type { ProgressReport } from '../util/progress.js';
import { callbackReporter, type Reporter } from '../util/reporter.js';
import { validate } from '../util/schema.js';

/**
 * What a caller hears during a stage, as trailing arguments: onProgress, onRow, onLog, each a function
 * (a Comlink.proxy across threads) or left out. Separate functions, as a proxy of an object cannot
 * say which of its methods exist. Each may return a promise.
 */
export type StageCallbacks = [
  onProgress?: (report: ProgressReport) => unknown,
  onRow?: (row: object) => unknown,
  onLog?: (message: string) => unknown,
];

export interface EngineEnv {
  /** The run store, or its promise (a worker exposes the engine at once, before OPFS is open). */
  store: RunStore | Promise<RunStore>;
  /** How the GPU is opened (adapter choice); default: the provider's choice, not announced. */
  gpu?: GpuOptions;
}

export interface DeviceInfo {
  adapter: string;
  kind: string;
  subgroupSize: { min: number; max: number };
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number; maxComputeWorkgroupStorageSize: number };
}

/** What a checkpoint holds, as a page shows it before evaluating. */
export interface CheckpointInfo {
  /** The checkpoint directory (a run directory's latest). */
  dir: string;
  config: Qwen2Config;
  step: number | null;
  modelSha256: string;
}

/** A config by preset name (`preset`, of the config's `stage`, default pretrain) and overrides. */
export type TrainRequest = Partial<RunConfig> & { preset?: string };
export type EvalRequest = { checkpoint: string; settings: Partial<EvalSettings> & { preset?: string } };

/** A reporter relaying to callbacks, and `settle`, which waits until every relayed call has returned. */
function relay([progress, row, log]: StageCallbacks): { reporter: Reporter; settle(): Promise<unknown> } {
  const calls: unknown[] = [];
  const send =
    <T>(f: ((x: T) => unknown) | undefined) =>
    (x: T) => {
      if (f) calls.push(f(x));
    };
  return {
    reporter: callbackReporter({ progress: send(progress), row: send(row), log: send(log) }),
    settle: () => Promise.all(calls),
  };
}

/** Runs a stage with a relaying reporter, waiting for its callbacks whether it succeeds or fails. */
async function relayed<T>(cb: StageCallbacks, stage: (reporter: Reporter) => Promise<T>): Promise<T> {
  const { reporter, settle } = relay(cb);
  try {
    return await stage(reporter);
  } finally {
    await settle();
  }
}

const withPreset = (stage: 'pretrain' | 'midtrain' | 'eval', req: { preset?: string }) => {
  const { preset, ...overrides } = req;
  return { ...(preset ? stagePreset(stage, preset) : {}), ...overrides };
};

export function createEngine(env: EngineEnv) {
  const opened = Promise.resolve(env.store);
  let gpu: Promise<Gpu> | undefined;
  const openGpu = () => (gpu ??= Gpu.create({ announce: false, ...env.gpu }));
  // The stages running now, each stopped by aborting its controller (stop()).
  const running = new Set<AbortController>();
  const stoppable = async <T>(body: (stop: AbortSignal) => Promise<T>): Promise<T> => {
    const c = new AbortController();
    running.add(c);
    try {
      return await body(c.signal);
    } finally {
      running.delete(c);
    }
  };

  return {
    /** The adapter the engine runs on (opening it on first use). */
    async device(): Promise<DeviceInfo> {
      const g = await openGpu();
      const { maxBufferSize, maxStorageBufferBindingSize, maxComputeWorkgroupStorageSize } = g.limits;
      return {
        adapter: g.adapterName,
        kind: g.adapterKind,
        subgroupSize: g.subgroupSize,
        limits: { maxBufferSize, maxStorageBufferBindingSize, maxComputeWorkgroupStorageSize },
      };
    },

    /** Pre-trains or mid-trains into the run directory `out` (resuming what it holds): runTraining. */
    train(req: TrainRequest, out: string, ...cb: StageCallbacks): Promise<StageResult> {
      // Stoppable from the call on: a stop() sent while the GPU opens or the data is built counts.
      return stoppable(async (stop) => {
        const cfg = validateRunConfig(withPreset(req.stage ?? 'pretrain', req));
        const [gpu, store] = await Promise.all([openGpu(), opened]);
        return relayed(cb, (reporter) => runTraining(cfg, { gpu, store, reporter, out, stop }));
      });
    },

    /** Evaluates a checkpoint (or run directory) and writes the results JSON to `out`: evaluateToFile. */
    evaluate(req: EvalRequest, out: string, ...cb: StageCallbacks): Promise<EvalResults> {
      return stoppable(async (stop) => {
        const settings = validate<EvalSettings>(EVAL_SCHEMA, withPreset('eval', req.settings));
        const [gpu, store] = await Promise.all([openGpu(), opened]);
        return relayed(cb, (reporter) =>
          evaluateToFile({ checkpoint: req.checkpoint, settings }, { gpu, store, reporter, out, stop }),
        );
      });
    },

    /**
     * Stops the stages running now after their current step: a training run writes its checkpoint
     * and returns (stopped: true; train again to resume), an evaluation keeps its journal and throws
     * StageStopped (evaluate again to resume).
     */
    stop(): void {
      for (const c of running) c.abort();
    },

    /**
     * Runs a reproducibility protocol (the text of a harness/repro/protocols file, whose sha256 is its
     * identity) on this GPU, in memory, and returns its fingerprint: `repro run`.
     */
    async reproRun(protocolText: string, what: string, ...cb: StageCallbacks): Promise<ProtocolFingerprint> {
      const protocol = await loadProtocol(protocolText, what);
      const gpu = await openGpu();
      return relayed(cb, (reporter) =>
        runProtocol(gpu, protocol, { onProgress: reporter.progress, onLog: reporter.log }),
      );
    },

    /** Loads a checkpoint (or a run directory's latest), checking it as evaluation would. */
    async inspect(checkpoint: string): Promise<CheckpointInfo> {
      const store = await opened;
      const dir = await resolveCheckpoint(store, checkpoint);
      const { config, state, modelSha256 } = await loadCheckpoint(store, dir, paramLayout);
      return { dir, config, step: state?.step ?? null, modelSha256 };
    },

    /** Problems from the generator (the wasm engine). */
    generate(opts: GenerateManyOptions): Promise<Problem[]> {
      return generateMany(opts);
    },

    /** The entries of a directory of the store ([] when absent). */
    async listFiles(dir: string): Promise<string[]> {
      return (await opened).list(dir);
    },

    /** A file's bytes (to download a checkpoint), or undefined when there is none. */
    async readFile(path: string): Promise<Uint8Array | undefined> {
      return (await opened).read(path);
    },

    /** Writes a file (to upload a checkpoint), replacing it atomically. */
    async writeFile(path: string, data: Uint8Array | string): Promise<void> {
      return (await opened).write(path, data);
    },

    /** Removes a file or a directory with everything in it (a page's "start over"). */
    async remove(path: string): Promise<void> {
      return (await opened).remove(path);
    },
  };
}

export type Engine = ReturnType<typeof createEngine>;
