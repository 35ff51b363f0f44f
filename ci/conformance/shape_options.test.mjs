// Shape options through the official client: replica=full, columns, and a 409 after DELETE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeStream, Shape } from '@electric-sql/client';
import { startServer, waitForRows, record, waitFor } from './server.mjs';

test('replica=full sends whole rows and old values of changed columns', { timeout: 30000 }, async () => {
  const abort = new AbortController();
  const server = await startServer(['--long-poll-ms', '1000']);
  try {
    await server.write([{ op: 'insert', table: 'items', value: { id: 1, title: 'a', n: 1, done: false, price: '1.5' } }]);
    const stream = new ShapeStream({ url: server.shapeUrl, params: { table: 'items', replica: 'full' }, signal: abort.signal });
    const messages = record(stream);
    const shape = new Shape(stream);
    await shape.rows;
    await server.write([{ op: 'update', table: 'items', key: { id: 1 }, value: { title: 'b' } }]);
    await waitFor(() => messages.some((m) => m.headers?.operation === 'update'));
    const update = messages.find((m) => m.headers?.operation === 'update');
    assert.deepEqual(Object.keys(update.value).sort(), ['done', 'id', 'n', 'price', 'title']);
    assert.equal(update.value.title, 'b');
    assert.equal(update.old_value.title, 'a');
    assert.ok(update.headers.txids.length === 1);
  } finally {
    abort.abort();
    await server.stop();
  }
});

test('columns restricts every row to the listed columns', { timeout: 30000 }, async () => {
  const abort = new AbortController();
  const server = await startServer(['--long-poll-ms', '1000']);
  try {
    await server.write([{ op: 'insert', table: 'items', value: { id: 1, title: 'a', n: 1, done: false } }]);
    const stream = new ShapeStream({ url: server.shapeUrl, params: { table: 'items', columns: ['id', 'title'] }, signal: abort.signal });
    const shape = new Shape(stream);
    const rows = await shape.rows;
    assert.deepEqual(Object.keys(rows[0]).sort(), ['id', 'title']);
    await server.write([{ op: 'insert', table: 'items', value: { id: 2, title: 'b', n: 2, done: true } }]);
    const after = await waitForRows(shape, (rs) => rs.length === 2);
    for (const r of after) assert.deepEqual(Object.keys(r).sort(), ['id', 'title']);
  } finally {
    abort.abort();
    await server.stop();
  }
});

test('a deleted shape answers 409 and the client refetches cleanly', { timeout: 30000 }, async () => {
  const abort = new AbortController();
  const server = await startServer(['--long-poll-ms', '500', '--allow-delete']);
  try {
    await server.write([{ op: 'insert', table: 'items', value: { id: 1, title: 'a', n: 1, done: false } }]);
    const stream = new ShapeStream({ url: server.shapeUrl, params: { table: 'items' }, signal: abort.signal });
    const messages = record(stream);
    const shape = new Shape(stream);
    await shape.rows;
    const handle = stream.shapeHandle;
    assert.ok(handle);
    const del = await fetch(`${server.shapeUrl}?table=items&handle=${encodeURIComponent(handle)}`, { method: 'DELETE' });
    assert.equal(del.status, 202);
    await server.write([{ op: 'insert', table: 'items', value: { id: 2, title: 'b', n: 2, done: false } }]);
    const rows = await waitForRows(shape, (rs) => rs.length === 2 && stream.shapeHandle !== handle);
    assert.deepEqual(rows.map((r) => Number(r.id)).sort(), [1, 2]);
    assert.ok(messages.some((m) => m.headers?.control === 'must-refetch'));
    assert.notEqual(stream.shapeHandle, handle);
  } finally {
    abort.abort();
    await server.stop();
  }
});

test('TRUNCATE answers 409 and the client refetches the emptied table', { timeout: 30000 }, async () => {
  const abort = new AbortController();
  const server = await startServer(['--long-poll-ms', '500']);
  try {
    await server.write([{ op: 'insert', table: 'items', value: { id: 1, title: 'a', n: 1, done: false } },
                        { op: 'insert', table: 'items', value: { id: 2, title: 'b', n: 2, done: false } }]);
    const stream = new ShapeStream({ url: server.shapeUrl, params: { table: 'items' }, signal: abort.signal });
    const messages = record(stream);
    const shape = new Shape(stream);
    assert.equal((await shape.rows).length, 2);
    const handle = stream.shapeHandle;
    await server.write([{ op: 'truncate', table: 'items' },
                        { op: 'insert', table: 'items', value: { id: 3, title: 'after', n: 3, done: false } }]);
    const rows = await waitForRows(shape, (rs) => rs.length === 1 && Number(rs[0].id) === 3);
    assert.equal(rows[0].title, 'after');
    assert.ok(messages.some((m) => m.headers?.control === 'must-refetch'));
    assert.notEqual(stream.shapeHandle, handle);
  } finally {
    abort.abort();
    await server.stop();
  }
});

test('kill -9 and restart on the same store: the client resumes without refetching', { timeout: 60000 }, async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const dir = mkdtempSync(path.join(tmpdir(), 'shapesim-restart-'));
  const store = path.join(dir, 'store.db');
  const abort = new AbortController();
  let server = await startServer(['--long-poll-ms', '500', '--chunk-bytes', '500'], { store });
  try {
    const rows = [];
    for (let i = 1; i <= 20; i++) rows.push({ op: 'insert', table: 'items', value: { id: i, title: `row ${i}`, n: i, done: false } });
    await server.write(rows);
    const stream = new ShapeStream({ url: server.shapeUrl, params: { table: 'items' }, signal: abort.signal,
                                     backoffOptions: { initialDelay: 50, maxDelay: 200, multiplier: 1.5 } });
    const messages = record(stream);
    const shape = new Shape(stream);
    assert.equal((await shape.rows).length, 20);
    await server.write([{ op: 'insert', table: 'items', value: { id: 21, title: 'before kill', n: 0, done: false } }]);
    await waitForRows(shape, (rs) => rs.length === 21);
    const handle = stream.shapeHandle;
    await server.kill9();
    server = await startServer(['--long-poll-ms', '500', '--chunk-bytes', '500'], { store, port: server.port, resume: true });
    await server.write([{ op: 'insert', table: 'items', value: { id: 22, title: 'after restart', n: 0, done: false } }]);
    const after = await waitForRows(shape, (rs) => rs.length === 22, 20000);
    assert.ok(after.some((r) => r.title === 'after restart'));
    assert.equal(stream.shapeHandle, handle);
    assert.ok(!messages.some((m) => m.headers?.control === 'must-refetch'), 'no refetch after restart');
  } finally {
    abort.abort();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
