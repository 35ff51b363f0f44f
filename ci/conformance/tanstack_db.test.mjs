// TanStack DB's Electric collection against `shapesim serve`: an optimistic insert whose
// handler posts to the write endpoint; the transaction is persisted once the returned txid
// arrives in the shape stream (awaitTxId).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCollection } from '@tanstack/db';
import { electricCollectionOptions } from '@tanstack/electric-db-collection';
import { startServer } from './server.mjs';

test('optimistic insert is confirmed by the txid the write endpoint returns', { timeout: 30000 }, async () => {
  const abort = new AbortController();
  const server = await startServer(['--long-poll-ms', '1000']);
  try {
    await server.write([{ op: 'insert', table: 'items', value: { id: 1, title: 'existing', n: 1, done: false } }]);
    const txids = [];
    const collection = createCollection(electricCollectionOptions({
      id: `items-${Date.now()}`,
      shapeOptions: { url: server.shapeUrl, params: { table: 'items' }, signal: abort.signal },
      getKey: (item) => String(item.id),
      onInsert: async ({ transaction }) => {
        const item = transaction.mutations[0].modified;
        const txid = await server.write([{ op: 'insert', table: 'items',
          value: { id: Number(item.id), title: item.title, n: item.n, done: item.done } }]);
        txids.push(txid);
        return { txid, timeout: 10000 };
      },
    }));
    await collection.preload();
    assert.equal(collection.size, 1);
    const tx = collection.insert({ id: 10n, title: 'optimistic', n: 2, done: false });
    assert.ok(collection.has('10'), 'optimistic row is visible at once');
    await tx.isPersisted.promise;
    assert.equal(txids.length, 1);
    assert.equal(typeof txids[0], 'number');
    await collection.utils.awaitTxId(txids[0], 5000);
    assert.equal(collection.size, 2);
    assert.equal(collection.get('10').title, 'optimistic');
    await collection.cleanup();
  } finally {
    abort.abort();
    await server.stop();
  }
});
