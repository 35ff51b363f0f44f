// The real-network driver under hostile connections (raw sockets): slow headers get 408,
// silent and idle connections are closed, parked long-polls are not idle, HEAD has no body,
// and the server keeps accepting past its connection limit and after running out of file
// descriptors (503 for the excess, service as soon as connections close).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, waitFor } from './server.mjs';

// Opens a raw connection; resolves with helpers once connected.
function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const state = { data: '', closed: false, socket };
    socket.on('data', (d) => { state.data += d; });
    socket.on('close', () => { state.closed = true; });
    socket.on('error', () => {});
    socket.once('connect', () => resolve(state));
    socket.once('error', reject);
  });
}

test('a header sent one byte at a time gets 408; a silent connection is closed', { timeout: 30000 }, async () => {
  const server = await startServer(['--header-timeout-ms', '400', '--idle-timeout-ms', '400']);
  try {
    const slow = await connect(server.port);
    const request = 'GET /v1/health HTTP/1.1\r\nhost: localhost\r\n\r\n';
    let i = 0;
    const drip = setInterval(() => { if (!slow.closed && i < request.length) slow.socket.write(request[i++]); }, 150);
    const silent = await connect(server.port);
    const started = Date.now();
    await waitFor(() => slow.closed && silent.closed, 5000);
    clearInterval(drip);
    assert.ok(Date.now() - started < 3000);
    assert.match(slow.data, /^HTTP\/1\.1 408/);
    assert.equal(silent.data, '');
    assert.equal((await fetch(`${server.base}/v1/health`)).status, 200);
  } finally {
    await server.stop();
  }
});

test('a parked long-poll outlives the idle timeout; HEAD answers headers only on a kept-alive connection',
  { timeout: 30000 }, async () => {
    const server = await startServer(['--idle-timeout-ms', '300', '--long-poll-ms', '1200']);
    try {
      const first = await fetch(`${server.shapeUrl}?table=items&offset=-1`);
      const handle = first.headers.get('electric-handle');
      const started = Date.now();
      const live = await fetch(`${server.shapeUrl}?table=items&offset=0_0&handle=${handle}&live=true`);
      assert.equal(live.status, 200);
      assert.ok(Date.now() - started >= 1000, 'answered by the long-poll timeout, not cut by the idle timeout');
      const c = await connect(server.port);
      c.socket.write('HEAD /v1/health HTTP/1.1\r\nhost: localhost\r\n\r\nGET /v1/health HTTP/1.1\r\nhost: localhost\r\n\r\n');
      await waitFor(() => (c.data.match(/HTTP\/1\.1 200/g) ?? []).length === 2, 5000);
      assert.match(c.data, /content-length: 19\r\n/i);
      assert.equal(c.data.split('{"status":"active"}').length, 2, 'exactly one body: the GET\'s');
      c.socket.destroy();
    } finally {
      await server.stop();
    }
  });

test('past --max-connections a new connection gets 503, and service resumes when others close', { timeout: 30000 }, async () => {
  const server = await startServer(['--max-connections', '5']);
  try {
    const held = [];
    for (let i = 0; i < 5; i++) held.push(await connect(server.port));
    const extra = await connect(server.port);
    await waitFor(() => extra.closed, 5000);
    assert.match(extra.data, /^HTTP\/1\.1 503/);
    assert.match(extra.data, /retry-after: 1/i);
    for (const h of held) h.socket.destroy();
    await waitFor(() => held.every((h) => h.closed), 5000);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await fetch(`${server.base}/v1/health`)).status, 200);
  } finally {
    await server.stop();
  }
});

test('out of file descriptors the server keeps accepting: excess connections are shed, then it serves again',
  { timeout: 30000 }, async () => {
    const server = await startServer([], { fdLimit: 40 });
    const sockets = [];
    try {
      for (let i = 0; i < 80; i++) sockets.push(await connect(server.port));
      await waitFor(() => sockets.filter((s) => s.closed).length >= 30, 10000);
      const shed = sockets.filter((s) => s.closed);
      assert.ok(shed.some((s) => /^HTTP\/1\.1 503/.test(s.data)), 'at least one was told 503');
      for (const s of sockets) s.socket.destroy();
      await new Promise((r) => setTimeout(r, 300));
      let status = 0;
      for (let i = 0; i < 20 && status !== 200; i++) {
        status = await fetch(`${server.base}/v1/health`).then((r) => r.status, () => 0);
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(status, 200);
    } finally {
      for (const s of sockets) s.socket.destroy();
      await server.stop();
    }
  });

test('on loopback a foreign Host is refused (DNS rebinding) and cross-origin writes need --cors-origin', { timeout: 30000 }, async () => {
  const server = await startServer(['--cors-origin', 'https://app.example']);
  try {
    const c = await connect(server.port);
    c.socket.write('GET /v1/health HTTP/1.1\r\nhost: evil.example\r\nconnection: close\r\n\r\n');
    await waitFor(() => c.closed, 5000);
    assert.match(c.data, /^HTTP\/1\.1 403/);
    const write = (origin, id) => fetch(`${server.base}/api/mutations`, {
      method: 'POST', headers: { 'content-type': 'text/plain', origin },
      body: JSON.stringify({ id, mutations: [{ op: 'insert', table: 'items', value: { id: Number(id.slice(1)), title: 'x' } }] }),
    });
    assert.equal((await write('https://evil.example', 'w1')).status, 403);
    assert.equal((await write('https://app.example', 'w2')).status, 200);
    const rows = await (await fetch(`${server.shapeUrl}?table=items&offset=-1`)).json();
    assert.deepEqual(rows.filter((m) => m.value).map((m) => m.value.id), ['2']);
  } finally {
    await server.stop();
  }
});
