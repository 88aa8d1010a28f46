// The options of a stage command that come from its config: --config (a preset of the registry or
// a JSON file with the same keys) and one flag per key of the stage's schema, kebab-case
// (--learning-rate sets learning_rate). Old key names as flags say the new one.
import { existsSync } from 'node:fs';
import { preset, STAGES, type StageName } from '../../../ts/config/presets.js';
import { readInput } from '../../../ts/io/files.js';
import { parseJson } from '../../../ts/util/json.js';
import { parseText, placeholder, showValue } from '../../../ts/util/schema.js';
import { flagOf, type Args, type Options } from '../options.js';

/** --config and a flag per config key of `stage` except `skip`; `required` keys become required flags. */
export function configOptions(stage: StageName, o: { skip?: string[]; required?: string[] } = {}): Options {
  const { schema, presets, default: name } = STAGES[stage];
  const base = { ...(presets as Record<string, Record<string, unknown>>)[name] };
  const options: Options = {
    config: {
      type: 'string',
      default: name,
      value: 'NAME|FILE',
      help:
        `a preset (${Object.keys(presets).join(', ')}) or a JSON file of ${schema.what} keys; the flags below ` +
        'override its keys',
    },
  };
  for (const [key, f] of Object.entries(schema.fields)) {
    if (o.skip?.includes(key)) continue;
    const preset = base[key] ?? f.default;
    options[flagOf(key)] = {
      type: 'string',
      key,
      help: f.doc,
      value: placeholder(f),
      required: o.required?.includes(key),
      parse: (text) => parseText(key, f, text),
      shownDefault: showValue(f, preset),
    };
  }
  return options;
}

/** Old flags of `stage`'s renamed keys, each saying its new name; `more` adds others. */
export function retiredFlags(stage: StageName, more: Record<string, string> = {}): Record<string, string> {
  const keys = STAGES[stage].schema.renamed?.keys ?? {};
  const out: Record<string, string> = {
    set: '--set was replaced by one flag per config key: --set learning_rate=1e-3 is --learning-rate 1e-3',
  };
  for (const [from, to] of Object.entries({ ...keys, ...more })) {
    out[flagOf(from)] = `--${flagOf(from)} was renamed --${flagOf(to)}`;
  }
  return out;
}

/** The raw config: the --config preset or file, with the keys given as flags over it. */
export function configFrom(stage: StageName, args: Args): Record<string, unknown> {
  const spec = args.str('config');
  const presets = STAGES[stage].presets as Record<string, object>;
  let raw: Record<string, unknown>;
  if (presets[spec]) raw = preset(stage, spec);
  else if (existsSync(spec)) {
    const what = STAGES[stage].schema.what;
    raw = parseJson(readInput(spec, what).toString('utf8'), `${what} ${spec}`, 'fix it or give a preset') as typeof raw;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new Error(`--config ${spec}: a ${what} is a JSON object`);
    }
  } else {
    throw new Error(`--config ${spec}: no such file or ${stage} preset; presets: ${Object.keys(presets).join(', ')}`);
  }
  return { ...raw, ...args.keys() };
}
