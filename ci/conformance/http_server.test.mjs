// The real HTTP driver (shapesim serve) at the socket level: keep-alive, the request size
// limit, malformed requests, a client that disconnects from a parked long-poll, and a
// graceful stop on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from './server.mjs';

// Sends raw bytes on one connection and collects everything until `done(text)` or close.
function exchange(port, chunks, done = () => false, ms = 5000) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`timed out; got: ${text}`)); }, ms);
    socket.on('data', (d) => {
      text += d;
      if (done(text)) { clearTimeout(timer); socket.destroy(); resolve(text); }
    });
    socket.on('close', () => { clearTimeout(timer); resolve(text); });
    socket.on('error', reject);
    socket.on('connect', () => { for (const c of chunks) socket.write(c); });
  });
}

const statusLines = (text) => text.match(/HTTP\/1\.1 \d+ [A-Za-z ]+/g) ?? [];

test('keep-alive serves several requests on one connection', { timeout: 20000 }, async () => {
  const server = await startServer();
  try {
    const req = 'GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n';
    const text = await exchange(server.port, [req + req + req], (t) => statusLines(t).length === 3);
    assert.deepEqual(statusLines(text), ['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
  } finally {
    await server.stop();
  }
});

test('a request over the size limit gets 413 and a malformed one 400; the server keeps serving', { timeout: 20000 },
  async () => {
    const server = await startServer();
    try {
      // The declared length is over the 1 MiB limit: the answer comes before any body is sent.
      const tooLarge = await exchange(server.port,
        [`POST /api/mutations HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n`],
        (t) => t.includes('\r\n\r\n') && t.includes('}'));
      assert.match(tooLarge, /^HTTP\/1\.1 413 /);
      const malformed = await exchange(server.port, ['GARBAGE\r\n\r\n'], (t) => t.includes('}'));
      assert.match(malformed, /^HTTP\/1\.1 400 /);
      const health = await fetch(`${server.base}/v1/health`);
      assert.equal(health.status, 200);
    } finally {
      await server.stop();
    }
  });

test('a client that drops a parked long-poll does not disturb other clients', { timeout: 20000 }, async () => {
  const server = await startServer(['--long-poll-ms', '60000']);
  try {
    const first = await fetch(`${server.shapeUrl}?table=items&offset=-1`);
    const handle = first.headers.get('electric-handle');
    const live = `${server.shapeUrl}?table=items&offset=0_inf&live=true&handle=${handle}`;
    // Park a request and drop its connection, then park another and release it with a write.
    const dropped = new AbortController();
    const droppedPoll = fetch(live, { signal: dropped.signal }).catch((e) => e);
    await new Promise((r) => setTimeout(r, 100));
    dropped.abort();
    assert.equal((await droppedPoll).name, 'AbortError');
    const kept = fetch(live);
    await new Promise((r) => setTimeout(r, 100));
    await server.write([{ op: 'insert', table: 'items', value: { id: 1, title: 'a', n: 1, done: false } }]);
    const res = await kept;
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body[0].value.id, '1');
  } finally {
    await server.stop();
  }
});

test('SIGTERM stops the server gracefully (exit code 0) while a long-poll is parked', { timeout: 20000 }, async () => {
  const server = await startServer(['--long-poll-ms', '60000']);
  const first = await fetch(`${server.shapeUrl}?table=items&offset=-1`);
  const handle = first.headers.get('electric-handle');
  const parked = fetch(`${server.shapeUrl}?table=items&offset=0_inf&live=true&handle=${handle}`).catch((e) => e);
  await new Promise((r) => setTimeout(r, 100));
  const code = await server.stop();
  assert.equal(code, 0);
  await parked;  // the connection is closed, not left hanging
});
