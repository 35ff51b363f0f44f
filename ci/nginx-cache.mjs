// Assertions for ci/nginx-cache.sh: shape requests through nginx's cache.
import assert from 'node:assert/strict';
import fs from 'node:fs';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => {
  if (a.startsWith('--')) pairs.push([a.slice(2), all[i + 1]]);
  return pairs;
}, []));
const proxy = args.proxy;
const upstream = args.upstream;
const clients = Number(args.clients ?? 20);
const log = () => fs.readFileSync(args['access-log'], 'utf8').trim().split('\n').filter(Boolean)
  .map((l) => { const [method, uri, status, cache] = l.split(' '); return { method, uri, status, cache }; });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let batch = 0;
async function write(id) {
  const res = await fetch(`${upstream}/api/mutations`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: `nginx-${++batch}`, mutations: [{ op: 'insert', table: 'items', value: { id, title: `row ${id}` } }] }),
  });
  assert.equal(res.status, 200);
}

await write(1);
// 1. The initial snapshot: N clients at once, one upstream request.
const initial = await Promise.all(Array.from({ length: clients }, () => fetch(`${proxy}/v1/shape?table=items&offset=-1`)));
for (const r of initial) assert.equal(r.status, 200);
const handle = initial[0].headers.get('electric-handle');
let offset = initial[0].headers.get('electric-offset');
const etag = initial[0].headers.get('etag');
await Promise.all(initial.map((r) => r.arrayBuffer()));
await sleep(100);
const snapshotLines = log().filter((l) => l.uri.includes('offset=-1'));
const snapshotUpstream = snapshotLines.filter((l) => l.cache !== 'HIT').length;
console.log(`nginx-cache: initial snapshot, ${clients} clients: ${snapshotUpstream} upstream request(s)`);
assert.equal(snapshotUpstream, 1);

// 2. Catch up to the live edge, then three live cycles: all clients park on the same URL, a
//    write releases one upstream answer, nginx hands it to everyone.
const caughtUp = await fetch(`${proxy}/v1/shape?table=items&offset=${offset}&handle=${handle}`);
offset = caughtUp.headers.get('electric-offset');
await caughtUp.arrayBuffer();
let cursor = '';
const liveUris = [];
for (let cycle = 2; cycle <= 4; cycle++) {
  const uri = `/v1/shape?table=items&offset=${offset}&handle=${handle}&live=true${cursor ? `&cursor=${cursor}` : ''}`;
  liveUris.push(uri);
  const pending = Array.from({ length: clients }, () => fetch(`${proxy}${uri}`));
  await sleep(300);
  await write(cycle);
  const answers = await Promise.all(pending);
  const bodies = await Promise.all(answers.map((r) => r.json()));
  for (let i = 0; i < answers.length; i++) {
    assert.equal(answers[i].status, 200);
    assert.deepEqual(bodies[i].filter((m) => m.value).map((m) => m.value.id), [String(cycle)]);
  }
  offset = answers[0].headers.get('electric-offset');
  cursor = answers[0].headers.get('electric-cursor');
}
await sleep(100);
const lines = log();
let upstreamLive = 0;
for (const uri of liveUris) {
  const forUri = lines.filter((l) => l.uri === uri);
  const went = forUri.filter((l) => l.cache !== 'HIT').length;
  assert.equal(forUri.length, clients, `every client's request to ${uri} was logged`);
  upstreamLive += went;
}
console.log(`nginx-cache: ${liveUris.length} live cycles x ${clients} clients: ${upstreamLive} upstream requests`);
assert.ok(upstreamLive <= liveUris.length + 1, `about one upstream request per live cycle (got ${upstreamLive})`);

// 3. Revalidation through the cache: If-None-Match of the first answer's etag is a 304.
const revalidated = await fetch(`${proxy}/v1/shape?table=items&offset=-1`, { headers: { 'if-none-match': etag } });
assert.equal(revalidated.status, 304);

// 4. Errors are no-store: never served from the cache.
for (let i = 0; i < 3; i++) {
  const bad = await fetch(`${proxy}/v1/shape?table=nope&offset=-1`);
  assert.equal(bad.status, 400);
  await bad.arrayBuffer();
}
await sleep(100);
const errors = log().filter((l) => l.uri.includes('table=nope'));
assert.equal(errors.filter((l) => l.cache === 'HIT').length, 0);
console.log('nginx-cache: 304 through the cache; errors never cached — ok');
