// Protocol fidelity with Electric 1.x, through the official client and the raw protocol:
// snapshot offsets (0_0, 0_1, ...), WHERE errors in Electric's form, snapshot row order,
// chunks inside one transaction, subset rows marked with their snapshot, cache options and
// --host. Runs against the embedded store, and again under --pg (CTest label pg).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeStream, Shape, FetchError } from '@electric-sql/client';
import { startServer, waitFor } from './server.mjs';

// Reads a shape with the raw protocol until up-to-date; returns every answer's offset and
// body size, and the rows in the order they arrived.
async function walk(shapeUrl, query = 'table=items') {
  const answers = [];
  const keys = [];
  let offset = '-1';
  let handle = '';
  for (let i = 0; i < 1000; i++) {
    const res = await fetch(`${shapeUrl}?${query}&offset=${offset}${handle ? `&handle=${handle}` : ''}`);
    assert.equal(res.status, 200, await res.clone().text());
    handle = res.headers.get('electric-handle');
    offset = res.headers.get('electric-offset');
    const text = await res.text();
    answers.push({ offset, bytes: text.length, upToDate: res.headers.has('electric-up-to-date') });
    for (const m of JSON.parse(text)) if (m.value) keys.push(m.value.id);
    if (res.headers.has('electric-up-to-date')) return { answers, keys, handle, offset };
  }
  throw new Error('never up-to-date');
}

test('a one-chunk snapshot answers 0_0, and 0_0 reads the log (also revalidated by etag)', { timeout: 30000 }, async () => {
  const server = await startServer(['--long-poll-ms', '500']);
  try {
    await server.write([{ op: 'insert', table: 'items', value: { id: 1, title: 'a' } }]);
    const first = await fetch(`${server.shapeUrl}?table=items&offset=-1`);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('electric-offset'), '0_0');
    assert.ok(!first.headers.has('electric-up-to-date'));
    const handle = first.headers.get('electric-handle');
    // The etag revalidation of the first request, as a browser cache sends it.
    const again = await fetch(`${server.shapeUrl}?table=items&offset=-1`, { headers: { 'if-none-match': first.headers.get('etag') } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('electric-offset'), '0_0');
    await server.write([{ op: 'insert', table: 'items', value: { id: 2, title: 'b' } }]);
    // Under --pg the write arrives through replication: live=true waits for it.
    let ids = [];
    for (let i = 0; i < 20 && ids.length === 0; i++) {
      const tail = await fetch(`${server.shapeUrl}?table=items&offset=0_0&handle=${handle}&live=true`);
      assert.equal(tail.status, 200, await tail.clone().text());
      assert.ok(tail.headers.has('electric-up-to-date'));
      ids = (await tail.json()).filter((m) => m.value).map((m) => m.value.id);
    }
    assert.deepEqual(ids, ['2']);

    // The official client resumes from 0_0 with the handle (a forced refresh comes back here).
    const abort = new AbortController();
    const stream = new ShapeStream({ url: server.shapeUrl, params: { table: 'items' }, offset: '0_0', handle, signal: abort.signal });
    const seen = [];
    stream.subscribe((batch) => { for (const m of batch) if (m.value) seen.push(m.value.id); });
    await waitFor(() => stream.isUpToDate);
    assert.deepEqual(seen.map(String), ['2']);
    await stream.forceDisconnectAndRefresh();
    await waitFor(() => stream.isUpToDate);
    assert.ok(!stream.error, String(stream.error));
    abort.abort();
  } finally {
    await server.stop();
  }
});

test('a many-chunk snapshot walks 0_0, 0_1, ... then the log, and the client gets every row', { timeout: 30000 }, async () => {
  const server = await startServer(['--chunk-bytes', '2000', '--long-poll-ms', '500']);
  try {
    const rows = [];
    for (let i = 1; i <= 120; i++) rows.push({ op: 'insert', table: 'items', value: { id: i, title: `row ${i}` } });
    await server.write(rows);
    const { answers } = await walk(server.shapeUrl);
    assert.ok(answers.length >= 4, JSON.stringify(answers));
    answers.slice(0, -1).forEach((a, i) => assert.equal(a.offset, `0_${i}`));
    assert.equal(answers.at(-1).offset, '0_inf');
    const abort = new AbortController();
    const shape = new Shape(new ShapeStream({ url: server.shapeUrl, params: { table: 'items' }, signal: abort.signal }));
    assert.equal((await shape.rows).length, 120);
    abort.abort();
  } finally {
    await server.stop();
  }
});

test('a WHERE syntax error reads "At location N: ..." as Electric words it', { timeout: 30000 }, async () => {
  const server = await startServer();
  try {
    const res = await fetch(`${server.shapeUrl}?table=items&offset=-1&where=${encodeURIComponent('id = = 1')}`);
    assert.equal(res.status, 400);
    assert.deepEqual((await res.json()).errors.where, ['At location 21: syntax error at or near "="']);
    const unknown = await fetch(`${server.shapeUrl}?table=items&offset=-1&where=${encodeURIComponent('nope = 1')}`);
    assert.deepEqual((await unknown.json()).errors.where, ['At location 0: column "nope" does not exist']);
    // Through the client: the error reaches onError with the same text.
    const errors = [];
    const stream = new ShapeStream({ url: server.shapeUrl, params: { table: 'items', where: 'id = = 1' },
                                     onError: (e) => { errors.push(e); } });
    stream.subscribe(() => {});
    await waitFor(() => errors.length > 0);
    assert.ok(errors[0] instanceof FetchError);
    assert.equal(errors[0].status, 400);
    assert.match(JSON.stringify(errors[0].json), /At location 21: syntax error at or near/);
    stream.unsubscribeAll();
  } finally {
    await server.stop();
  }
});

test('initial rows arrive in the order they were written, not sorted by key', { timeout: 30000 }, async () => {
  const server = await startServer();
  try {
    await server.write([{ op: 'insert', table: 'items', value: { id: 30, title: 'c' } }]);
    await server.write([{ op: 'insert', table: 'items', value: { id: 10, title: 'a' } },
                        { op: 'insert', table: 'items', value: { id: 20, title: 'b' } }]);
    const { keys } = await walk(server.shapeUrl);
    assert.deepEqual(keys, ['30', '10', '20']);
    const abort = new AbortController();
    const shape = new Shape(new ShapeStream({ url: server.shapeUrl, params: { table: 'items' }, signal: abort.signal }));
    assert.deepEqual((await shape.rows).map((r) => String(r.id)), ['30', '10', '20']);
    abort.abort();
  } finally {
    await server.stop();
  }
});

test('one 35 kB transaction is cut into chunks of about --chunk-bytes', { timeout: 30000 }, async () => {
  const server = await startServer(['--chunk-bytes', '10000', '--long-poll-ms', '500']);
  const abort = new AbortController();
  try {
    const first = await walk(server.shapeUrl);
    const rows = [];
    for (let i = 1; i <= 100; i++) rows.push({ op: 'insert', table: 'items', value: { id: i, title: 'x'.repeat(250) } });
    await server.write(rows);  // one transaction, ~35 kB of messages
    const live = [];
    let offset = first.offset;
    for (;;) {
      const res = await fetch(`${server.shapeUrl}?table=items&offset=${offset}&handle=${first.handle}&live=true`);
      assert.equal(res.status, 200);
      offset = res.headers.get('electric-offset');
      const text = await res.text();
      live.push({ bytes: text.length, upToDate: res.headers.has('electric-up-to-date'), count: JSON.parse(text).filter((m) => m.value).length });
      if (res.headers.has('electric-up-to-date')) break;
    }
    assert.ok(live.length >= 3, JSON.stringify(live));
    for (const c of live.slice(0, -1)) {
      assert.ok(c.bytes >= 8000 && c.bytes <= 12500, `chunk of ${c.bytes} bytes`);
      assert.ok(!c.upToDate);
    }
    assert.equal(live.reduce((n, c) => n + c.count, 0), 100);
    // The client applies the transaction whole: it sees all 100 rows at its next up-to-date.
    const shape = new Shape(new ShapeStream({ url: server.shapeUrl, params: { table: 'items' }, signal: abort.signal }));
    assert.equal((await shape.rows).length, 100);
  } finally {
    abort.abort();
    await server.stop();
  }
});

test('subset rows carry snapshot_mark in their headers and metadata; requestSnapshot works', { timeout: 30000 }, async () => {
  const server = await startServer(['--long-poll-ms', '500']);
  const abort = new AbortController();
  try {
    await server.write([1, 2, 3, 4].map((id) => ({ op: 'insert', table: 'items', value: { id, title: `t${id}`, done: id % 2 === 0 } })));
    const res = await fetch(`${server.shapeUrl}?table=items&offset=-1&log=changes_only&subset__where=${encodeURIComponent('done = true')}`);
    assert.equal(res.status, 200, await res.clone().text());
    const body = await res.json();
    assert.equal(body.data.length, 2);
    for (const row of body.data) assert.equal(row.headers.snapshot_mark, body.metadata.snapshot_mark);
    assert.match(body.metadata.database_lsn, /^\d+$/);
    if (process.env.SHAPESIM_PG_URL) assert.notEqual(body.metadata.database_lsn, '0');

    const stream = new ShapeStream({ url: server.shapeUrl, params: { table: 'items' }, log: 'changes_only', signal: abort.signal });
    stream.subscribe(() => {});
    await waitFor(() => stream.isUpToDate);
    const snap = await stream.requestSnapshot({ where: 'done = false', orderBy: 'id', limit: 10 });
    assert.deepEqual(snap.data.map((m) => String(m.value.id)), ['1', '3']);
    for (const m of snap.data) assert.equal(m.headers.snapshot_mark, snap.metadata.snapshot_mark);
  } finally {
    abort.abort();
    await server.stop();
  }
});

test('--cache-max-age and --cache-stale-age set catch-up cache-control; --host binds where asked', { timeout: 30000 }, async () => {
  const server = await startServer(['--cache-max-age', '17', '--cache-stale-age', '42', '--host', '0.0.0.0']);
  try {
    const first = await fetch(`${server.shapeUrl}?table=items&offset=-1`);
    const handle = first.headers.get('electric-handle');
    const catchUp = await fetch(`${server.shapeUrl}?table=items&offset=0_0&handle=${handle}`);
    assert.equal(catchUp.headers.get('cache-control'), 'public, max-age=17, stale-while-revalidate=42');
    // Bound to every interface: reachable through an address other than 127.0.0.1.
    const other = await fetch(`http://127.0.0.2:${server.port}/v1/health`);
    assert.equal(other.status, 200);
  } finally {
    await server.stop();
  }
});
