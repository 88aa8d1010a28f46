// Fresh random inputs per run, reproducible from the printed seed (TEST_SEED=... to replay).
export { randomArray, rng } from '../../ts/util/random.js';

export function testSeed(): number {
  const s = process.env.TEST_SEED ? Number(process.env.TEST_SEED) : (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
  return s >>> 0;
}
