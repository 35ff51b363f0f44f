// PostgreSQL as the source (runs only with SHAPESIM_PG_URL, CTest label `pg`): rows written
// in plain SQL reach a ShapeStream with the writer's xid; a 100,000-row snapshot equals
// SELECT; kill -9 of the server mid-stream loses and duplicates nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ShapeStream, Shape } from '@electric-sql/client';
import { startServer, waitForRows, waitFor, psql } from './server.mjs';

const skip = process.env.SHAPESIM_PG_URL ? false : 'needs SHAPESIM_PG_URL (CTest label pg)';

test('rows written from a plain SQL session reach a ShapeStream with the writer\'s xid', { skip, timeout: 30000 },
  async () => {
    const abort = new AbortController();
    const server = await startServer(['--long-poll-ms', '1000']);
    try {
      const messages = [];
      const stream = new ShapeStream({ url: server.shapeUrl, params: { table: 'items' }, signal: abort.signal });
      stream.subscribe((batch) => messages.push(...batch));
      const shape = new Shape(stream);
      await shape.rows;
      const xid = psql(`BEGIN; INSERT INTO items VALUES (1, 'from sql', 1, true, 2.50);
                        SELECT pg_current_xact_id()::xid::text; COMMIT;`);
      const rows = await waitForRows(shape, (rs) => rs.length === 1);
      assert.equal(rows[0].title, 'from sql');
      const insert = messages.find((m) => m.headers?.operation === 'insert');
      assert.deepEqual(insert.headers.txids.map(String), [xid]);
    } finally {
      abort.abort();
      await server.stop();
    }
  });

test('a 100,000-row table\'s snapshot equals SELECT exactly', { skip, timeout: 120000 }, async () => {
  const server = await startServer();
  try {
    psql(`INSERT INTO items SELECT g, 'title ' || g || CASE WHEN g % 7 = 0 THEN ' "q" / \\\\ ü' ELSE '' END,
            (g % 1000)::int4, g % 3 = 0, CASE WHEN g % 5 = 0 THEN NULL ELSE (g / 8.0)::numeric END
          FROM generate_series(1, 100000) g`);
    const expected = new Map(psql(`SELECT id::text || '|' || coalesce(title, '<null>') || '|' || coalesce(n::text, '<null>')
                                   || '|' || coalesce(done::text, '<null>') || '|' || coalesce(price::text, '<null>')
                                   FROM items`).split('\n').map((line) => [line.split('|')[0], line]));
    // Read the snapshot chunk by chunk with the raw protocol (the text values, unparsed).
    const seen = new Map();
    let offset = '-1';
    let handle = '';
    for (;;) {
      const res = await fetch(`${server.shapeUrl}?table=items&offset=${offset}${handle ? `&handle=${handle}` : ''}`);
      assert.equal(res.status, 200);
      handle = res.headers.get('electric-handle');
      offset = res.headers.get('electric-offset');
      const body = await res.json();
      for (const m of body) {
        if (!m.value) continue;
        const v = m.value;
        const bool = v.done === null ? '<null>' : v.done === 't' ? 'true' : 'false';
        seen.set(v.id, [v.id, v.title ?? '<null>', v.n ?? '<null>', bool, v.price ?? '<null>'].join('|'));
      }
      if (res.headers.has('electric-up-to-date')) break;
    }
    assert.equal(seen.size, 100000);
    for (const [id, line] of expected) assert.equal(seen.get(id), line, `row ${id}`);
  } finally {
    await server.stop();
  }
});

test('kill -9 mid-stream: after restart nothing is lost or duplicated', { skip, timeout: 60000 }, async () => {
  const store = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'shapesim-pg-')), 'store.db');
  let server = await startServer(['--long-poll-ms', '500'], { store });
  const abort = new AbortController();
  try {
    const inserts = [];
    const stream = new ShapeStream({ url: server.shapeUrl, params: { table: 'items' }, signal: abort.signal });
    stream.subscribe((batch) => { for (const m of batch) if (m.headers?.operation === 'insert') inserts.push(m.key); });
    const shape = new Shape(stream);
    await shape.rows;
    let next = 1;
    const writeSome = (count) => {
      const values = [];
      for (let i = 0; i < count; i++, next++) values.push(`(${next}, 't${next}', ${next}, false, NULL)`);
      psql(`INSERT INTO items VALUES ${values.join(', ')}`);
    };
    writeSome(50);
    await waitForRows(shape, (rs) => rs.length === 50);
    await server.kill9();
    writeSome(50);  // committed while the server is down: must arrive after the restart
    server = await startServer(['--long-poll-ms', '500'], { store, port: server.port, resume: true });
    writeSome(50);
    const rows = await waitForRows(shape, (rs) => rs.length === 150, 20000);
    assert.equal(rows.length, 150);
    assert.equal(new Set(inserts).size, inserts.length, 'an insert arrived twice');
    assert.equal(inserts.length, 150);
  } finally {
    abort.abort();
    await server.stop();
  }
});

test('a second server on the same slot refuses to start', { skip, timeout: 30000 }, async () => {
  const server = await startServer();
  try {
    await assert.rejects(startServer([], { resume: true }), /exited with 1/);
  } finally {
    await server.stop();
  }
});

test('a cut replication connection is reconnected; a dropped slot retires shapes and clients refetch', { skip, timeout: 60000 },
  async () => {
    const server = await startServer(['--long-poll-ms', '1000']);
    const abort = new AbortController();
    try {
      const inserts = [];
      const stream = new ShapeStream({ url: server.shapeUrl, params: { table: 'items' }, signal: abort.signal });
      stream.subscribe((batch) => { for (const m of batch) if (m.headers?.operation === 'insert') inserts.push(m.key); });
      const shape = new Shape(stream);
      await shape.rows;
      const walsender = () => psql(`SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
                                    WHERE slot_name = 'shapesim_conformance'`);
      // 1. The walsender is terminated (as a PostgreSQL restart would): the server reconnects
      //    to its slot and every row arrives exactly once, without a refetch.
      walsender();
      psql(`INSERT INTO items SELECT g, 'during outage', g, false, NULL FROM generate_series(1, 20) g`);
      await waitForRows(shape, (rs) => rs.length === 20, 20000);
      assert.equal(new Set(inserts).size, inserts.length, 'an insert arrived twice');
      assert.equal(inserts.length, 20);
      // 2. The slot is dropped while the server is disconnected: rows committed in between are
      //    not in any slot, so the server recreates it and retires the shape; the client
      //    refetches and ends with exactly the table.
      const before = shape.handle;
      walsender();
      await waitFor(() => {
        try {
          return psql(`SELECT pg_drop_replication_slot(slot_name)::text FROM pg_replication_slots
                       WHERE slot_name = 'shapesim_conformance' AND NOT active`) !== '' ||
                 psql(`SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'shapesim_conformance'`) === '0';
        } catch {
          return false;  // the server reconnected first: terminate it again
        } finally {
          walsender();
        }
      }, 20000);
      psql(`INSERT INTO items SELECT g, 'lost with the slot', g, true, NULL FROM generate_series(21, 30) g`);
      const rows = await waitForRows(shape, (rs) => rs.length === 30, 20000);
      assert.equal(rows.filter((r) => r.title === 'lost with the slot').length, 10);
      assert.notEqual(shape.handle, before);
    } finally {
      abort.abort();
      await server.stop();
    }
  });
