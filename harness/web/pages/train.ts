// "Train here": pre-training of the tiny or mini model in this tab, by the engine's worker with the
// CLI's training stage, into a run directory kept in the browser's storage (runs/MODEL). Pause stops
// the stage after its current step with a checkpoint (engine.stop()); Train again resumes from the
// run's latest checkpoint, a visit later too. A live loss curve (Observable Plot), and the latest
// checkpoint as the folder the CLI writes (a zip), plus the run's metrics.jsonl.
import * as Plot from '@observablehq/plot';
import { preset } from '../../../ts/config/presets.js';
import { joinPath } from '../../../ts/store/store.js';
import { tokensPerStep, type RunConfig } from '../../../ts/train/runconfig.js';
import { callbacks, download, openEngine, webGpuProblem, type RemoteEngine } from '../common/engine-client.js';
import { runPage, showError } from '../common/error.js';
import { mountNav } from '../common/nav.js';
import { progressView } from '../common/progress.js';
import { zipStore } from '../common/zip.js';

const MINI = preset('pretrain', 'mini-pretrain');

/**
 * The page's runs by model. mini: `npm start`'s pre-training (minutes on a laptop GPU). tiny: a
 * first try in seconds, rows of 128 positions (its context) of the easy ops' problems.
 */
const RUNS: Record<string, Record<string, unknown>> = {
  tiny: {
    ...MINI,
    model: 'tiny',
    mixture: { ops: { easy: 1 }, modes: { forward: 1 } },
    tokens: 100 * 4 * 128,
    seq_len: 128,
    batch_size: 4,
    eval_ops: [2, 3],
    eval_per_op: 6,
    eval_max_new_tokens: 32,
    checkpoint_interval: 25,
  },
  mini: MINI,
};

interface StepRow {
  step: number;
  loss: number;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const say = (id: string, text: string) => void ($(id).textContent = text);
const button = (id: string) => $<HTMLButtonElement>(id);

mountNav('train');
runPage(async () => {
  const problem = await webGpuProblem();
  if (problem) return showError(problem);
  const engine = openEngine();
  const model = $<HTMLSelectElement>('model');
  for (const name of Object.keys(RUNS)) model.add(new Option(name, name));
  const config = $<HTMLTextAreaElement>('config');
  const bars = progressView($('progress'));
  const steps: StepRow[] = [];
  const runDir = () => joinPath('runs', model.value);

  /** The model's run as the store holds it: its config, its steps so far, its checkpoint. */
  async function show(): Promise<void> {
    const saved = await engine.readFile(joinPath(runDir(), 'run.json'));
    config.value = saved ? new TextDecoder().decode(saved) : JSON.stringify(RUNS[model.value], null, 2) + '\n';
    steps.length = 0;
    const checkpoint = await latestCheckpoint(engine, runDir());
    // run.json is the validated config the stage recorded: its step count is the stage's.
    const total = saved ? Math.floor(runConfig(saved).tokens / tokensPerStep(runConfig(saved))) : 0;
    const paused = checkpoint && checkpoint.step < total;
    if (checkpoint) {
      // Rows past the checkpoint (a tab closed mid-step) are lost work: the resumed run drops them too.
      steps.push(...(await metrics(engine, runDir())).filter((r) => r.step <= checkpoint.step));
      say(
        'saved',
        paused
          ? `a run paused at step ${checkpoint.step} of ${total}: Resume continues it`
          : `a finished run of ${total} steps: Start over to train it again`,
      );
    } else say('saved', saved ? 'a run started without a checkpoint yet: Train starts it again' : '');
    button('train').textContent = paused ? 'Resume' : 'Train';
    $('downloads').hidden = !checkpoint;
    draw(steps);
  }

  function setRunning(running: boolean): void {
    button('train').disabled = running;
    button('reset').disabled = running;
    model.disabled = running;
    config.disabled = running;
    button('pause').disabled = !running;
  }

  button('train').addEventListener('click', async () => {
    let cfg: Record<string, unknown>;
    try {
      cfg = JSON.parse(config.value);
    } catch (e) {
      return showError(`the run config is not valid JSON (${(e as Error).message}); fix it or pick the model again`);
    }
    setRunning(true);
    say('status', 'starting...');
    try {
      const row = (r: object) => {
        if ('loss' in r) {
          steps.push(r as StepRow);
          draw(steps);
        } else if ('accuracy' in r) {
          const h = r as { eval_loss: number; accuracy: Record<number, number> };
          say('status', `held-out: loss ${h.eval_loss.toFixed(3)}, ${accuracyText(h.accuracy)}`);
        }
      };
      const log = (m: string) => say('status', m);
      // Called at once, before anything is awaited: a Pause clicked from now on reaches this run.
      const training = engine.train(cfg, runDir(), ...callbacks({ progress: bars.listen(), row, log }));
      // A GPU that fails to open fails the training too, which shows the error.
      void engine.device().then(
        (d) => say('device', `GPU: ${d.adapter} (${d.kind})`),
        () => {},
      );
      const result = await training;
      say(
        'status',
        result.stopped
          ? `paused at step ${result.steps}, checkpoint saved: Resume continues from it`
          : `finished: ${result.steps} steps, final loss ${result.finalLoss.toFixed(3)}` +
              (result.heldOut ? `; held-out ${accuracyText(result.heldOut.accuracy)}` : ''),
      );
      await show();
    } catch (e) {
      showError((e as Error).message);
    } finally {
      setRunning(false);
    }
  });

  button('pause').addEventListener('click', () => {
    button('pause').disabled = true;
    say('status', 'pausing after the current step (then a checkpoint is written)...');
    void engine.stop();
  });

  button('reset').addEventListener('click', async () => {
    if (!confirm(`Delete the ${model.value} run kept in this browser (its checkpoints and metrics)?`)) return;
    await engine.remove(runDir());
    say('status', '');
    await show();
  });

  model.addEventListener('change', () => void show().catch((e: Error) => showError(e.message)));

  button('download-zip').addEventListener('click', async () => {
    const checkpoint = await latestCheckpoint(engine, runDir());
    if (!checkpoint) return showError('no checkpoint yet: train first');
    const name = checkpoint.dir.split('/').at(-1)!;
    const files: [string, Uint8Array][] = [];
    for (const f of await engine.listFiles(checkpoint.dir))
      files.push([`${name}/${f}`, (await engine.readFile(joinPath(checkpoint.dir, f)))!]);
    download(`${model.value}-${name}.zip`, zipStore(files), 'application/zip');
  });

  button('download-metrics').addEventListener('click', async () => {
    const bytes = await engine.readFile(joinPath(runDir(), 'metrics.jsonl'));
    if (!bytes) return showError('no metrics.jsonl yet: train first');
    download(`${model.value}-metrics.jsonl`, bytes, 'application/jsonl');
  });

  await show();
  $<HTMLFieldSetElement>('inputs').disabled = false;
});

const runConfig = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as RunConfig;

/** The run's latest checkpoint (directory and step), or undefined when it has none. */
async function latestCheckpoint(engine: RemoteEngine, run: string): Promise<{ dir: string; step: number } | undefined> {
  const latest = await engine.readFile(joinPath(run, 'checkpoints', 'latest'));
  if (!latest) return undefined;
  const info = await engine.inspect(run); // checks it as the training stage will when it resumes
  return { dir: info.dir, step: info.step ?? 0 };
}

/** The step rows of the run's metrics.jsonl (held-out rows left out). */
async function metrics(engine: RemoteEngine, run: string): Promise<StepRow[]> {
  const bytes = await engine.readFile(joinPath(run, 'metrics.jsonl'));
  const rows = bytes ? new TextDecoder().decode(bytes).split('\n') : [];
  return rows.flatMap((l) => {
    try {
      const r = JSON.parse(l);
      return 'loss' in r ? [r as StepRow] : [];
    } catch {
      return []; // a line cut short by a closed tab
    }
  });
}

/** Held-out greedy accuracy by op, as "accuracy op 2 50%, op 3 17%". */
function accuracyText(byOp: Record<number, number>): string {
  const ops = Object.entries(byOp).map(([op, a]) => `op ${op} ${(100 * a).toFixed(0)}%`);
  return `accuracy ${ops.join(', ')}`;
}

/** The loss curve of the rows so far. */
function draw(rows: StepRow[]): void {
  const figure = $('curve');
  if (!rows.length) return figure.replaceChildren();
  const plot = Plot.plot({
    width: 640,
    height: 280,
    x: { label: 'step' },
    y: { label: 'training loss', grid: true },
    marks: [
      Plot.lineY(rows, { x: 'step', y: 'loss', stroke: 'currentColor' }),
      Plot.dot(rows.slice(-1), { x: 'step', y: 'loss' }),
    ],
  });
  figure.replaceChildren(plot);
}
