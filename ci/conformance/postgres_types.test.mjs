// PostgreSQL's own types through the official client (runs only with SHAPESIM_PG_URL, CTest
// label `pg`): enum, composite and domain columns, json/jsonb, 1-D and 2-D arrays keep their
// type names and dimensions in electric-schema, so the client parses arrays; and a shape
// whose table was dropped answers a clear 400, which a client surfaces without an unhandled
// failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeStream, Shape, FetchError } from '@electric-sql/client';
import { startServer, waitFor, psql } from './server.mjs';

const skip = process.env.SHAPESIM_PG_URL ? false : 'needs SHAPESIM_PG_URL (CTest label pg)';

function createMultitype() {
  psql(`DROP TABLE IF EXISTS multitype; DROP TYPE IF EXISTS mood; DROP TYPE IF EXISTS complex;
        DROP DOMAIN IF EXISTS posint;
        CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
        CREATE TYPE complex AS (r float8, i float8);
        CREATE DOMAIN posint AS int4 CHECK (VALUE > 0);
        CREATE TABLE multitype (
          id int8 PRIMARY KEY, m mood, ms mood[], c complex, d posint, ds posint[],
          j json, jb jsonb, ints int4[], grid int8[][], texts text[]);
        INSERT INTO multitype VALUES (1, 'happy', '{sad,ok}', '(1.5,-2)', 7, '{1,2}',
          '{"a": [1, 2]}', '{"b": {"c": true}}', '{1,2,3}', '{{1,2},{3,4}}', '{"x,y",z}')`);
}

test('enum, composite, domain, json and 1-D/2-D array columns keep their names and dims', { skip, timeout: 30000 }, async () => {
  const server = await startServer(['--long-poll-ms', '500']);
  const abort = new AbortController();
  try {
    createMultitype();
    const res = await fetch(`${server.shapeUrl}?table=multitype&offset=-1`);
    assert.equal(res.status, 200, await res.clone().text());
    const schema = JSON.parse(res.headers.get('electric-schema'));
    assert.deepEqual(schema.m, { type: 'mood' });
    assert.deepEqual(schema.ms, { type: 'mood', dims: 1 });
    assert.deepEqual(schema.c, { type: 'complex' });
    assert.deepEqual(schema.d, { type: 'posint' });
    assert.deepEqual(schema.ds, { type: 'posint', dims: 1 });
    assert.deepEqual(schema.j, { type: 'json' });
    assert.deepEqual(schema.jb, { type: 'jsonb' });
    assert.deepEqual(schema.ints, { type: 'int4', dims: 1 });
    assert.deepEqual(schema.grid, { type: 'int8', dims: 2 });
    assert.deepEqual(schema.texts, { type: 'text', dims: 1 });

    // The official client parses with that schema: arrays become arrays, also of enums.
    const shape = new Shape(new ShapeStream({ url: server.shapeUrl, params: { table: 'multitype' }, signal: abort.signal }));
    const [row] = await shape.rows;
    assert.deepEqual(row.ms, ['sad', 'ok']);
    assert.deepEqual(row.ints, [1, 2, 3]);
    assert.deepEqual(row.grid, [[1n, 2n], [3n, 4n]]);
    assert.deepEqual(row.texts, ['x,y', 'z']);
    assert.deepEqual(row.j, { a: [1, 2] });
    assert.deepEqual(row.jb, { b: { c: true } });
    assert.equal(row.m, 'happy');
    assert.equal(row.c, '(1.5,-2)');

    // Replicated changes of these columns arrive too, and a domain's WHERE compares as int4.
    psql(`INSERT INTO multitype (id, m, ms, d, grid) VALUES (2, 'ok', '{happy}', 12, '{{5}}')`);
    await waitFor(() => shape.currentRows.length === 2);
    const second = shape.currentRows.find((r) => r.id === 2n);
    assert.deepEqual(second.ms, ['happy']);
    assert.deepEqual(second.grid, [[5n]]);
    const filtered = await fetch(`${server.shapeUrl}?table=multitype&offset=-1&where=${encodeURIComponent('d > 10')}`);
    assert.equal(filtered.status, 200, await filtered.clone().text());
    assert.deepEqual((await filtered.json()).filter((m) => m.value).map((m) => m.value.id), ['2']);
    // An enum compares by equality (exactly its labels), never by its text's order.
    const byLabel = await fetch(`${server.shapeUrl}?table=multitype&offset=-1&where=${encodeURIComponent("m = 'ok'")}`);
    assert.deepEqual((await byLabel.json()).filter((m) => m.value).map((m) => m.value.id), ['2']);
    const ordered = await fetch(`${server.shapeUrl}?table=multitype&offset=-1&where=${encodeURIComponent("m < 'ok'")}`);
    assert.equal(ordered.status, 400);
    assert.match((await ordered.json()).errors.where[0], /declaration order/);

    // Writes through the write API reach enum and domain columns (no text cast in the way).
    await server.write([{ op: 'insert', table: 'multitype', value: { id: 3, m: 'sad', d: 5, ms: '{ok}' } }]);
    await waitFor(() => shape.currentRows.length === 3);
  } finally {
    abort.abort();
    await server.stop();
    psql('DROP TABLE IF EXISTS multitype; DROP TYPE IF EXISTS mood; DROP TYPE IF EXISTS complex; DROP DOMAIN IF EXISTS posint');
  }
});

test('after DROP TABLE and DELETE /v1/shape, clients get a clear 400 and stop without unhandled failures',
  { skip, timeout: 30000 }, async () => {
    const server = await startServer(['--long-poll-ms', '500', '--allow-delete']);
    const unhandled = [];
    const onUnhandled = (reason) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      psql('DROP TABLE IF EXISTS doomed; CREATE TABLE doomed (id int8 PRIMARY KEY, title text); INSERT INTO doomed VALUES (1, \'a\')');
      const first = await fetch(`${server.shapeUrl}?table=doomed&offset=-1`);
      assert.equal(first.status, 200);
      const handle = first.headers.get('electric-handle');
      const errors = [];
      const stream = new ShapeStream({ url: server.shapeUrl, params: { table: 'doomed' }, onError: (e) => { errors.push(e); } });
      const shape = new Shape(stream);
      await shape.rows;

      // Dropped first, then deleted: no client can rebuild the shape in between.
      psql('DROP TABLE doomed');
      assert.equal((await fetch(`${server.shapeUrl}?table=doomed&handle=${handle}`, { method: 'DELETE' })).status, 202);
      // A retry with the old handle, and a fresh start, both say the table does not exist.
      for (const url of [`${server.shapeUrl}?table=doomed&offset=0_0&handle=${handle}`, `${server.shapeUrl}?table=doomed&offset=-1`]) {
        const res = await fetch(url);
        assert.equal(res.status, 400, url);
        assert.deepEqual((await res.json()).errors.table, ['Table "public.doomed" does not exist']);
      }
      // The live client is told (409, refetch, 400) and surfaces the error through onError.
      await waitFor(() => errors.length > 0, 10000);
      assert.ok(errors[0] instanceof FetchError);
      assert.equal(errors[0].status, 400);
      stream.unsubscribeAll();
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await server.stop();
    }
  });
