// The kernel families `npm run bench:kernels -- <family>` knows, by name.
import type { Family } from './family.js';
import { matmulFamily } from './matmul/index.js';
import { rmsnormFamily } from './rmsnorm/index.js';
import { rowmaxFamily } from './rowmax/index.js';

// Each family has its own shape type; the harness only passes a family's shapes back to it.
export const families: Record<string, Family<any>> = {
  matmul: matmulFamily,
  rmsnorm: rmsnormFamily,
  rowmax: rowmaxFamily,
};
