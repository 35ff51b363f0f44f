// The peers.md live-query workload on @tanstack/db (the peer of bench_live_query).
//   node --expose-gc tanstack_workload.mjs --rows=N --users=U --seed=S --warmup=W --updates=K [--queries=q1,..]
// Prints one JSON object, the same fields as `bench_live_query --json`.
import { createCollection, createLiveQueryCollection, localOnlyCollectionOptions, eq, count, sum } from '@tanstack/db';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const N = Number(args.rows ?? 100000), U = Number(args.users ?? 1000), SEED = Number(args.seed ?? 42);
const W = Number(args.warmup ?? 100), K = Number(args.updates ?? 1000);
const queries = (args.queries ?? 'q1,q2,q3,q4').split(',');
const BASE = 1700000000000, MAX_CREATED = BASE + (N - 1) * 1000;
const STATUSES = ['open', 'in_progress', 'done'];

const fnv1a = (text) => {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
};
const heap = () => { if (global.gc) global.gc(); return process.memoryUsage().heapUsed; };
const tick = () => new Promise((resolve) => setImmediate(resolve));

function makeData() {
  const tasks = [];
  for (let id = 0; id < N; id++) {
    tasks.push({ id, status: STATUSES[id % 3], priority: (id * 31) % 5, assignee: (id * 17) % U,
                 created_at: BASE + ((id * 7919) % N) * 1000 });
  }
  const users = [];
  for (let id = 0; id < U; id++) users.push({ id, name: `user${id}`, team: id % 10 });
  return { tasks, users };
}

let collectionCounter = 0;
function build(name, tasks, users) {
  const top = (q) => q.where(({ t }) => eq(t.status, 'open')).orderBy(({ t }) => t.created_at, 'desc').limit(100);
  const query = {
    q1: (q) => top(q.from({ t: tasks }))
      .select(({ t }) => ({ id: t.id, priority: t.priority, assignee: t.assignee, created_at: t.created_at })),
    q2: (q) => top(q.from({ t: tasks }).join({ u: users }, ({ t, u }) => eq(t.assignee, u.id), 'inner'))
      .select(({ t, u }) => ({ id: t.id, priority: t.priority, assignee: t.assignee, created_at: t.created_at, name: u.name })),
    q3: (q) => q.from({ t: tasks }).orderBy(({ t }) => t.created_at, 'desc'),
    q4: (q) => q.from({ t: tasks }).groupBy(({ t }) => t.assignee)
      .select(({ t }) => ({ assignee: t.assignee, count: count(t.id), total: sum(t.priority) })),
  }[name];
  return createLiveQueryCollection({ id: `live-${++collectionCounter}`, query, startSync: true });
}

// The final result as peers.md fingerprints it.
function shape(name, rows) {
  if (name === 'q4') return rows.map((r) => [r.assignee, r.count, r.total]).sort((a, b) => a[0] - b[0]);
  if (name === 'q2') return rows.map((r) => [r.id, r.priority, r.name]);
  return rows.map((r) => [r.id, r.priority]);
}

// From scratch, in plain JavaScript.
function recompute(name, taskRows, users) {
  const byCreatedDesc = (a, b) => b.created_at - a.created_at || a.id - b.id;
  if (name === 'q3') return [...taskRows].sort(byCreatedDesc);
  if (name === 'q4') {
    const groups = new Map();
    for (const t of taskRows) {
      const g = groups.get(t.assignee) ?? { assignee: t.assignee, count: 0, total: 0 };
      g.count++;
      g.total += t.priority;
      groups.set(t.assignee, g);
    }
    return [...groups.values()];
  }
  const open = taskRows.filter((t) => t.status === 'open').sort(byCreatedDesc).slice(0, 100);
  return name === 'q2' ? open.map((t) => ({ ...t, name: users[t.assignee].name })) : open;
}

async function run(name) {
  const data = makeData();
  const tasks = createCollection(localOnlyCollectionOptions({ id: `tasks-${name}`, getKey: (t) => t.id, initialData: data.tasks }));
  const users = createCollection(localOnlyCollectionOptions({ id: `users-${name}`, getKey: (u) => u.id, initialData: data.users }));
  await tasks.preload();
  await users.preload();
  const before = heap();
  const start = performance.now();
  const live = build(name, tasks, users);
  await live.preload();
  const firstMs = performance.now() - start;
  const memoryMib = (heap() - before) / (1024 * 1024);

  let fired = 0;
  live.subscribeChanges(() => { if (!fired) fired = performance.now(); });
  const micros = [];
  let s = SEED >>> 0;
  for (let i = 0; i < W + K; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const id = s % N;
    fired = 0;
    const t0 = performance.now();
    if (i % 2 === 0) {
      tasks.update(id, (d) => { d.status = 'open'; d.created_at = MAX_CREATED + (i + 1) * 1000; });
    } else {
      tasks.update(id, (d) => { d.priority = (d.priority + 1) % 5; });
    }
    await tick();
    if (fired && i >= W) micros.push((fired - t0) * 1000);
  }
  micros.sort((a, b) => a - b);
  const rows = live.toArray;
  const fingerprint = fnv1a(JSON.stringify(shape(name, rows)));
  const expected = fnv1a(JSON.stringify(shape(name, recompute(name, tasks.toArray, data.users))));
  return { query: name, first_result_ms: firstMs, p50_us: micros[Math.floor(micros.length / 2)] ?? 0,
           p99_us: micros[Math.min(micros.length - 1, Math.floor(micros.length * 99 / 100))] ?? 0, samples: micros.length,
           memory_mib: memoryMib, fingerprint, matches_recompute: fingerprint === expected };
}

const results = [];
for (const q of queries) {
  process.stderr.write(`tanstack: ${q} ...\n`);
  results.push(await run(q));
}
console.log(JSON.stringify({ engine: '@tanstack/db 0.15.2', rows: N, users: U, seed: SEED, warmup: W, updates: K, queries: results }));
process.exit(0);
