// The study's four experiments (SPEC §7), one plan file each: `study NAME` runs one.
import type { StudyDef } from '../../ts/study/index.js';
import { context } from './context.js';
import { edge } from './edge.js';
import { processRewards } from './process.js';
import { split } from './split.js';

export const STUDIES: Record<string, StudyDef> = { edge, context, split, process: processRewards };
