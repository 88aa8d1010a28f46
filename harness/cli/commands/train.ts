// `pretrain` and `midtrain`: one stage from a run config (a JSON file or a named preset), on the
// chosen adapter, resuming from the run directory's latest checkpoint when there is one.
import { existsSync } from 'node:fs';
import { readInput } from '../../../ts/io/files.js';
import { parseJson } from '../../../ts/util/json.js';
import { Gpu } from '../../../ts/gpu/index.js';
import { RUN_PRESETS } from '../../../ts/train/presets.js';
import { validateRunConfig, type RunConfig } from '../../../ts/train/runconfig.js';
import { runTraining } from '../../../ts/train/stage.js';
import { NodeStore } from '../../../ts/io/node-store.js';
import { terminalReporter } from '../../../ts/io/terminal.js';
import { emit } from '../../../ts/io/stdio.js';
import type { Args } from '../args.js';
import type { Command } from './types.js';

export const SET_HELP = '[--set k=v,k=v (config fields; separate pairs with ; when a value holds a comma)]';

/** Applies `--set key=value;key=value` (or comma-separated when no value holds a comma); values are parsed as JSON when they are JSON. */
export function applySets(raw: Record<string, unknown>, sets: string | undefined): void {
  if (!sets) return;
  for (const kv of sets.split(sets.includes(';') ? ';' : ',').filter(Boolean)) {
    const eq = kv.indexOf('=');
    if (eq < 1) throw new Error(`--set expects key=value pairs, got '${kv}'`);
    const v = kv.slice(eq + 1);
    try {
      raw[kv.slice(0, eq)] = JSON.parse(v);
    } catch {
      raw[kv.slice(0, eq)] = v;
    }
  }
}

/** A config given as a preset name or a JSON file. */
export function readConfigSpec(spec: string, presets: Record<string, object>, what: string): Record<string, unknown> {
  if (presets[spec]) return { ...presets[spec] };
  if (!existsSync(spec)) throw new Error(`--config ${spec}: no such file or preset; presets: ${Object.keys(presets).join(', ')}`);
  return parseJson(readInput(spec, what).toString('utf8'), `${what} ${spec}`, 'fix it or give a preset') as Record<string, unknown>;
}

/** --config FILE|PRESET, with --set overrides. */
export function loadRunConfig(args: Args, stage: RunConfig['stage']): RunConfig {
  const raw = readConfigSpec(args.str('config', `mini-${stage}`), RUN_PRESETS, 'run config');
  applySets(raw, args.optStr('set'));
  const init = args.optStr('init');
  if (init) raw.init = init;
  const cfg = validateRunConfig(raw);
  if (cfg.stage !== stage) throw new Error(`run config is for stage '${cfg.stage}', not '${stage}'`);
  return cfg;
}

function stageCommand(stage: RunConfig['stage']): Command {
  return {
    summary:
      `${stage === 'pretrain' ? 'pre-train a model' : 'continue training a checkpoint on new data'}: data built into --out ` +
      "first, metrics and held-out evaluations as JSON lines, resuming from --out's latest checkpoint: --out DIR " +
      `${stage === 'midtrain' ? '--init CKPT' : '[--init CKPT (start from its weights, not a fresh model)]'} ` +
      `[--config ${Object.keys(RUN_PRESETS).filter((p) => p.endsWith(stage)).join('|')}|FILE] ${SET_HELP} [--adapter A]`,
    async run(args) {
      const out = args.str('out');
      const adapter = args.optStr('adapter');
      const cfg = loadRunConfig(args, stage);
      args.checkAllUsed();
      const gpu = await Gpu.create({ adapter });
      const result = await runTraining(cfg, { gpu, store: new NodeStore(), reporter: terminalReporter(), out });
      emit({ stage, done: true, ...result, adapter: gpu.adapterName });
    },
  };
}

export const pretrain = stageCommand('pretrain');
export const midtrain = stageCommand('midtrain');
