import type { Command } from '../options.js';
import { calibrate } from './calibrate.js';
import { data } from './data.js';
import { devices } from './devices.js';
import { evalCommand } from './eval.js';
import { repro } from './repro.js';
import { rl } from './rl.js';
import { start } from './start.js';
import { study } from './study.js';
import { midtrain, pretrain } from './train.js';
import { detokenize, tokenize } from './tokenize.js';
import { verify } from './verify.js';
import { worker } from './worker.js';

// One line per command; each module owns its options and help text.
export const commands: Record<string, Command> = {
  data,
  devices,
  start,
  study,
  pretrain,
  midtrain,
  rl,
  tokenize,
  detokenize,
  verify,
  eval: evalCommand,
  calibrate,
  repro,
  worker,
};
