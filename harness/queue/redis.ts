// The Redis that a queued study and its workers share: its address as given on the command line
// (--queue redis://HOST:PORT), a quick check that it answers (so a wrong address is one clear line,
// not ioredis retrying forever), and BullMQ and ioredis loaded only here, on demand: without --queue
// nothing imports them, and ts/ never does (they are Node-only).
import { connect } from 'node:net';

export interface RedisAddress {
  host: string;
  port: number;
  db?: number;
  username?: string;
  password?: string;
}

/** `redis://[user:pass@]HOST[:PORT][/DB]`, or an error naming the flag and the form it takes. */
export function parseRedisUrl(text: string): RedisAddress {
  const form = 'give redis://HOST:PORT (e.g. redis://127.0.0.1:6379)';
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`--queue '${text}' is not a URL; ${form}`);
  }
  if (u.protocol !== 'redis:') throw new Error(`--queue '${text}' is not a redis:// URL; ${form}`);
  if (!u.hostname) throw new Error(`--queue '${text}' names no host; ${form}`);
  const port = u.port ? Number(u.port) : 6379;
  const path = u.pathname.replace(/^\//, '');
  if (path && !/^\d+$/.test(path)) throw new Error(`--queue '${text}': the path must be a database number; ${form}`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    ...(path ? { db: Number(path) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

/** Resolves once a TCP connection to the address opens; rejects with what to do when none does. */
export function checkReachable(a: RedisAddress, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: a.host, port: a.port });
    const fail = (why: string) => {
      s.destroy();
      reject(new Error(`cannot reach Redis at ${a.host}:${a.port} (${why}); start redis-server there or fix --queue`));
    };
    s.setTimeout(timeoutMs, () => fail(`no answer in ${timeoutMs / 1000} s`));
    s.once('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
    s.once('connect', () => {
      s.end();
      resolve();
    });
  });
}

export type Bullmq = typeof import('bullmq');
type Redis = import('ioredis').Redis;

/** BullMQ, imported when a queue is first used. */
export async function loadBullmq(): Promise<Bullmq> {
  return import('bullmq');
}

/**
 * A connection for one BullMQ object (queue, worker, flow producer), closed by `closeAll`. Built
 * here, not by BullMQ: its ES module build cannot load ioredis itself. Commands are never given up
 * on (workers block on Redis; a Redis restart is waited out).
 */
export async function redisConnection(a: RedisAddress, opened: Redis[]): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const r = new Redis({ ...a, maxRetriesPerRequest: null });
  opened.push(r);
  return r;
}

export async function closeAll(opened: Redis[]): Promise<void> {
  await Promise.all(opened.splice(0).map((r) => r.quit().catch(() => r.disconnect())));
}
