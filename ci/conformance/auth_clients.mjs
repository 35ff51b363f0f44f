// The official clients through `shapesim serve --auth` (label `auth`, run by `ci/conformance.sh SHAPESIM auth_clients.mjs`):
// the example deployment of docs/examples/auth, a ShapeStream that refreshes its shape token on
// 401 and resumes where it was, a TanStack DB optimistic write refused with 403 that rolls
// back, and a revoked member whose route is refused (403 through onError) and who purges. Not named *.test.mjs: the conformance suite runs those without --auth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ShapeStream, FetchError } from '@electric-sql/client';
import { createCollection } from '@tanstack/db';
import { electricCollectionOptions } from '@tanstack/electric-db-collection';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function startAuthServer() {
  const child = spawn(process.env.SHAPESIM_BIN, ['serve', '--store', ':memory:', '--port', '0', '--long-poll-ms', '2000',
    '--schema', path.join(root, 'docs/examples/auth/schema.json'), '--auth', path.join(root, 'docs/examples/auth/policy.json')],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on http:\/\/[^:\s]+:(\d+)/);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`shapesim serve exited with ${code}: ${out}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  const post = async (p, token, body) => {
    const res = await fetch(base + p, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  let batch = 0;
  return {
    base,
    post,
    async login(user) {
      const r = await post('/api/auth/login', null, { user_id: user, secret: 'dev-login-secret' });
      assert.equal(r.status, 200);
      return r.body.token;
    },
    async write(token, mutations) {
      return post('/api/mutations', token, { id: `b-${++batch}`, mutations });
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

const until = async (check, ms = 10000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('a ShapeStream refreshes its shape token on 401 and resumes at the same offset', { timeout: 30000 }, async () => {
  const server = await startAuthServer();
  const abort = new AbortController();
  try {
    const alice = await server.login('alice');
    const bob = await server.login('bob');
    const gatekeeper = async () => {
      const r = await server.post('/api/gatekeeper/tasks', bob, { where: 'done = $1', params: ['false'] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };
    let granted = await gatekeeper();
    let refreshes = 0;
    const statuses = [];
    const stream = new ShapeStream({
      url: `${server.base}${granted.url}`,
      params: { table: granted.shape.table, where: granted.shape.where, params: granted.shape.params },
      headers: { Authorization: () => `Bearer ${granted.token}` },
      signal: abort.signal,
      onError: async (error) => {
        if (error instanceof FetchError) statuses.push(error.status);
        if (error instanceof FetchError && error.status === 401) {
          refreshes++;
          granted = await gatekeeper();
          return {};
        }
        return undefined;
      },
    });
    const inserts = new Map();
    let refetches = 0;
    let upToDate = 0;
    stream.subscribe((messages) => {
      for (const m of messages) {
        if (m.headers?.operation === 'insert') inserts.set(String(m.value.id), (inserts.get(String(m.value.id)) ?? 0) + 1);
        if (m.headers?.control === 'must-refetch') refetches++;
        if (m.headers?.control === 'up-to-date') upToDate++;
      }
    });
    await until(() => upToDate > 0);
    assert.deepEqual([...inserts.keys()], ['1']);  // acme's open task only; globex's is not bob's
    const handle = stream.shapeHandle;
    // A permission change that keeps bob's access (promoted to owner): his data version moves,
    // so the token he holds is stale.
    const grant = await server.write(alice, [{ op: 'update', table: 'memberships', value: { user_id: 'bob', organization_id: 'acme', role: 'owner' } }]);
    assert.equal(grant.status, 200);
    const org2 = await server.write(alice, [{ op: 'insert', table: 'tasks', value: { id: 60, organization_id: 'acme', title: 'after the grant', done: false } }]);
    assert.equal(org2.status, 200);
    await until(() => inserts.has('60'));
    assert.equal(refreshes, 1, `one refresh (statuses ${statuses})`);
    assert.equal(stream.shapeHandle, handle, 'same shape: resumed, not refetched');
    assert.equal(refetches, 0);
    assert.equal(inserts.get('1'), 1, 'row 1 was not delivered again');
  } finally {
    abort.abort();
    await server.stop();
  }
});

test('an optimistic write the policy refuses (403) rolls back', { timeout: 30000 }, async () => {
  const server = await startAuthServer();
  const abort = new AbortController();
  try {
    const carol = await server.login('carol');  // viewer of acme
    const collection = createCollection(electricCollectionOptions({
      id: `tasks-${Date.now()}`,
      shapeOptions: { url: `${server.base}/v1/shape/org/acme/tasks`, headers: { Authorization: `Bearer ${carol}` }, signal: abort.signal },
      getKey: (t) => String(t.id),
      onInsert: async ({ transaction }) => {
        const t = transaction.mutations[0].modified;
        const r = await server.write(carol, [{ op: 'insert', table: 'tasks', value: { id: Number(t.id), organization_id: 'acme', title: t.title } }]);
        if (r.status !== 200) throw new Error(`write refused: ${r.status} ${JSON.stringify(r.body)}`);
        return { txid: r.body.txid };
      },
    }));
    await collection.preload();
    assert.equal(collection.size, 2);
    assert.equal(collection.get('1').budget, undefined, 'a viewer does not see the budget column');
    const tx = collection.insert({ id: 70n, organization_id: 'acme', title: 'not allowed', done: false });
    assert.ok(collection.has('70'), 'optimistic row visible at once');
    await assert.rejects(tx.isPersisted.promise, /write refused: 403/);
    assert.ok(!collection.has('70'), 'rolled back');
    assert.equal(collection.size, 2);
    await collection.cleanup();
  } finally {
    abort.abort();
    await server.stop();
  }
});

test('revoked access: the route answers 403, onError sees it, and the app purges the collection', { timeout: 30000 }, async () => {
  const server = await startAuthServer();
  const abort = new AbortController();
  try {
    const alice = await server.login('alice');  // owner of acme
    const bob = await server.login('bob');      // member of acme
    const statuses = [];
    const stream = new ShapeStream({
      url: `${server.base}/v1/shape/org/acme/tasks`,
      headers: { Authorization: `Bearer ${bob}` },
      signal: abort.signal,
      onError: async (error) => {
        if (error instanceof FetchError) statuses.push(error.status);
        return undefined;  // stop: the application purges what it holds
      },
    });
    const rows = new Map();
    let upToDate = 0;
    stream.subscribe((messages) => {
      for (const m of messages) {
        if (m.headers?.operation === 'insert' || m.headers?.operation === 'update') rows.set(String(m.value.id), m.value);
        if (m.headers?.operation === 'delete') rows.delete(String(m.value.id));
        if (m.headers?.control === 'up-to-date') upToDate++;
      }
    }, () => rows.clear());  // the error path: purge
    await until(() => upToDate > 0);
    assert.equal(rows.size, 2, 'acme\'s two tasks');
    // The owner revokes bob: his parked long-poll is released, and the route refuses him from now on.
    const revoke = await server.write(alice, [{ op: 'delete', table: 'memberships', key: { user_id: 'bob', organization_id: 'acme' } }]);
    assert.equal(revoke.status, 200, JSON.stringify(revoke.body));
    await until(() => statuses.includes(403));
    await until(() => rows.size === 0);
    // A task written after the revocation never reaches him.
    const later = await server.write(alice, [{ op: 'insert', table: 'tasks', value: { id: 80, organization_id: 'acme', title: 'after bob left', done: false } }]);
    assert.equal(later.status, 200);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(!rows.has('80'));
  } finally {
    abort.abort();
    await server.stop();
  }
});
