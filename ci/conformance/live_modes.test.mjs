// Live modes through the official client: server-sent events (liveSse), and
// offset=now + log=changes_only with subset snapshots (requestSnapshot, GET and POST).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeStream, Shape } from '@electric-sql/client';
import { startServer, waitForRows, record, waitFor } from './server.mjs';

// A fetch that records each request's method, URL and response content-type.
function recordingFetch() {
  const calls = [];
  const fetchClient = async (input, init) => {
    const res = await fetch(input, init);
    calls.push({ method: init?.method ?? 'GET', url: new URL(String(input)), type: res.headers.get('content-type') });
    return res;
  };
  return { calls, fetchClient };
}

const item = (id, n) => ({ op: 'insert', table: 'items', value: { id, title: `t${id}`, n, done: false } });

test('liveSse streams live changes as server-sent events, across stream reconnects, without duplicates',
  { timeout: 40000 }, async () => {
    const abort = new AbortController();
    const server = await startServer(['--sse-timeout-ms', '1500']);
    try {
      await server.write([item(1, 1)]);
      const { calls, fetchClient } = recordingFetch();
      const stream = new ShapeStream({ url: server.shapeUrl, params: { table: 'items' }, liveSse: true, fetchClient,
                                       signal: abort.signal });
      const messages = record(stream);
      const shape = new Shape(stream);
      assert.equal((await shape.rows).length, 1);
      await waitFor(() => calls.some((c) => c.url.searchParams.get('live_sse') === 'true'));
      // One transaction with three changes, then (after the stream has been cut and reopened) another.
      await server.write([item(2, 2), item(3, 3), { op: 'update', table: 'items', key: { id: 1 }, value: { n: 10 } }]);
      await waitForRows(shape, (rows) => rows.length === 3 && rows.find((r) => r.id === 1n).n === 10);
      const streamsBefore = calls.filter((c) => c.url.searchParams.get('live_sse') === 'true').length;
      await waitFor(() => calls.filter((c) => c.url.searchParams.get('live_sse') === 'true').length > streamsBefore);
      await server.write([item(4, 4)]);
      await waitForRows(shape, (rows) => rows.length === 4);
      const sse = calls.filter((c) => c.url.searchParams.get('live_sse') === 'true');
      assert.ok(sse.every((c) => c.type === 'text/event-stream'), JSON.stringify(sse.map((c) => c.type)));
      assert.ok(!calls.some((c) => c.url.searchParams.get('live') === 'true' && c.url.searchParams.get('live_sse') !== 'true'),
        'fell back to long polling');
      // Every change arrived exactly once, even though streams resumed from global_last_seen_lsn.
      const changes = messages.filter((m) => m.headers?.operation).map((m) => `${m.headers.operation} ${m.key}`);
      assert.equal(new Set(changes).size, changes.length, changes.join('\n'));
      assert.equal(changes.length, 5);  // snapshot row 1, inserts 2 and 3, update 1, insert 4
    } finally {
      abort.abort();
      await server.stop();
    }
  });

for (const method of ['GET', 'POST']) {
  test(`offset=now with log=changes_only loads rows with requestSnapshot (${method})`, { timeout: 30000 }, async () => {
    const abort = new AbortController();
    const server = await startServer(['--long-poll-ms', '1000']);
    try {
      await server.write([item(1, 1), item(2, 5), item(3, 7), item(4, 9)]);
      const { calls, fetchClient } = recordingFetch();
      const stream = new ShapeStream({ url: server.shapeUrl, params: { table: 'items' }, log: 'changes_only',
                                       offset: 'now', subsetMethod: method, fetchClient, signal: abort.signal });
      const shape = new Shape(stream);
      assert.deepEqual(await shape.rows, []);  // no initial snapshot in changes_only mode
      await shape.requestSnapshot({ where: 'n > $1', params: { 1: '2' }, orderBy: 'n DESC', limit: 2 });
      assert.deepEqual(shape.currentRows.map((r) => r.id).sort(), [3n, 4n]);
      const subset = calls.filter((c) => c.method === method && (method === 'POST' || c.url.searchParams.has('subset__where')));
      assert.equal(subset.length, 1, JSON.stringify(calls.map((c) => `${c.method} ${c.url.search}`)));
      assert.equal(subset[0].type, 'application/json');
      // Live changes follow: an update to a loaded row applies, a new row arrives, and an
      // update to a row never loaded is ignored by the Shape.
      await server.write([{ op: 'update', table: 'items', key: { id: 4 }, value: { title: 'changed' } }]);
      await server.write([item(5, 11)]);
      await server.write([{ op: 'update', table: 'items', key: { id: 1 }, value: { title: 'unseen' } }]);
      const rows = await waitForRows(shape, (rs) => rs.length === 3 && rs.find((r) => r.id === 4n)?.title === 'changed');
      assert.deepEqual(rows.map((r) => r.id).sort(), [3n, 4n, 5n]);
    } finally {
      abort.abort();
      await server.stop();
    }
  });
}
