// Starts `shapesim serve` on a free port with a throwaway store and returns helpers.
import { spawn, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));

// With SHAPESIM_PG_URL set, every server runs `--pg` against that PostgreSQL: a fresh start
// drops the test slot and publication and recreates the tables of schema.json empty.
const pgUrl = process.env.SHAPESIM_PG_URL;
const pgSlot = 'shapesim_conformance';

export function psql(sql) {
  return execFileSync('psql', [pgUrl, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).trim();
}

async function resetPostgres() {
  // A just-stopped server's walsender may hold the slot for a moment.
  for (let attempt = 0; ; attempt++) {
    try {
      psql(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${pgSlot}'`);
      break;
    } catch (e) {
      if (attempt > 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  psql(`DROP PUBLICATION IF EXISTS ${pgSlot}; DROP TABLE IF EXISTS items;
        CREATE TABLE items (id int8 PRIMARY KEY, title text, n int4, done bool, price numeric)`);
}

// options: { store: a file to keep (default: in memory), port: a fixed port (default: free),
//            resume: restart on existing state (with PostgreSQL: keep tables and slot),
//            fdLimit: a descriptor limit to run under }
export async function startServer(extraArgs = [], options = {}) {
  const binary = process.env.SHAPESIM_BIN;
  if (!binary) throw new Error('SHAPESIM_BIN must point at the shapesim executable');
  let source = ['--schema', path.join(here, 'schema.json')];
  if (pgUrl) {
    if (!options.resume) await resetPostgres();
    source = ['--pg', pgUrl, '--slot', pgSlot, '--publication', pgSlot];
  }
  const args = ['serve', '--store', options.store ?? ':memory:', ...source, '--port', String(options.port ?? 0), ...extraArgs];
  // options.fdLimit: run under `ulimit -n` (soft and hard), to exhaust descriptors on purpose.
  const child = options.fdLimit
    ? spawn('bash', ['-c', `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, binary, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(binary, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on http:\/\/(?:\[[^\]]+\]|[^:\s]+):(\d+)/);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`shapesim serve exited with ${code}: ${out}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  let batch = 0;
  return {
    base,
    port,
    async kill9() {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    },
    shapeUrl: `${base}/v1/shape`,
    async write(mutations) {
      const res = await fetch(`${base}/api/mutations`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: `batch-${++batch}-${Date.now()}`, mutations }),
      });
      const body = await res.json();
      if (res.status !== 200) throw new Error(`write failed: ${res.status} ${JSON.stringify(body)}`);
      return body.txid;
    },
    // SIGTERM; resolves with the exit code.
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    },
  };
}

// Resolves once `predicate(rows)` holds for a Shape, or rejects after `ms`.
export function waitForRows(shape, predicate, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { unsubscribe(); reject(new Error('timed out waiting for rows')); }, ms);
    const check = (rows) => { if (predicate(rows)) { clearTimeout(timer); unsubscribe(); resolve(rows); } };
    const unsubscribe = shape.subscribe(({ rows }) => check(rows));
    check(shape.currentRows);
  });
}

// Collects every message a stream delivers.
export function record(stream) {
  const messages = [];
  stream.subscribe((batch) => messages.push(...batch));
  return messages;
}

// Resolves once `predicate()` holds, polling every 20 ms; rejects after `ms`.
export async function waitFor(predicate, ms = 10000) {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
