// The official @electric-sql/client (ShapeStream / Shape) against `shapesim serve`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeStream, Shape } from '@electric-sql/client';
import { startServer, waitForRows } from './server.mjs';

test('initial sync of a table spanning several chunks, then live updates', { timeout: 30000 }, async () => {
  const abort = new AbortController();
  const server = await startServer(['--chunk-bytes', '1000', '--long-poll-ms', '1000']);
  try {
    const rows = [];
    for (let i = 1; i <= 60; i++) rows.push({ op: 'insert', table: 'items', value: { id: i, title: `item number ${i}`, n: i % 7, done: false, price: '1.50' } });
    await server.write(rows);
    const stream = new ShapeStream({ url: server.shapeUrl, params: { table: 'items' }, signal: abort.signal });
    const shape = new Shape(stream);
    const initial = await shape.rows;
    assert.equal(initial.length, 60);
    const one = initial.find((r) => r.id === 1n || r.id === 1);
    assert.ok(one, 'row 1 present');
    assert.equal(one.title, 'item number 1');

    await server.write([{ op: 'insert', table: 'items', value: { id: 61, title: 'live', n: 0, done: true, price: '2' } }]);
    const withLive = await waitForRows(shape, (rs) => rs.length === 61);
    assert.ok(withLive.some((r) => r.title === 'live'));

    await server.write([{ op: 'update', table: 'items', key: { id: 2 }, value: { title: 'changed' } },
                        { op: 'delete', table: 'items', key: { id: 3 } }]);
    const after = await waitForRows(shape, (rs) => rs.length === 60 && rs.some((r) => r.title === 'changed'));
    assert.ok(!after.some((r) => Number(r.id) === 3));
    stream.unsubscribeAll();
  } finally {
    abort.abort();
    await server.stop();
  }
});

test('a where clause with params selects and follows rows', { timeout: 30000 }, async () => {
  const abort = new AbortController();
  const server = await startServer(['--long-poll-ms', '1000']);
  try {
    await server.write([
      { op: 'insert', table: 'items', value: { id: 1, title: 'Alpha', n: 1, done: false } },
      { op: 'insert', table: 'items', value: { id: 2, title: 'beta', n: 2, done: false } },
      { op: 'insert', table: 'items', value: { id: 3, title: 'ALPHABET', n: 3, done: true } },
    ]);
    const stream = new ShapeStream({ url: server.shapeUrl, params: { table: 'items', where: 'title ILIKE $1 AND n < 3', params: ['%alpha%'] }, signal: abort.signal });
    const shape = new Shape(stream);
    const initial = await shape.rows;
    assert.deepEqual(initial.map((r) => Number(r.id)).sort(), [1]);
    await server.write([{ op: 'update', table: 'items', key: { id: 3 }, value: { n: 0 } }]);
    const moved = await waitForRows(shape, (rs) => rs.length === 2);
    assert.deepEqual(moved.map((r) => Number(r.id)).sort(), [1, 3]);
    stream.unsubscribeAll();
  } finally {
    abort.abort();
    await server.stop();
  }
});
