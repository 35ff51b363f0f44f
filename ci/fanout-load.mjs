// Fan-out load test (loopback only, bounded): N clients long-poll one shape of `shapesim serve`
// over raw keep-alive sockets while K writes go in; every write must reach every client exactly
// once. Prints the delivery latency (write sent -> a client's answer complete) p50/p99/max and
// the server's RSS before and after. Exit 1 on a lost or duplicated change or a missed p99 goal.
//
// usage: node ci/fanout-load.mjs --bin build/release/tools/shapesim [--clients 10000] [--writes 60]
//        [--interval-ms 1000] [--p99-goal-ms 0 (none)] [--json FILE]
// (ci/fanout-load.sh raises the descriptor limit and runs it.)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => {
  if (a.startsWith('--')) pairs.push([a.slice(2), all[i + 1]]);
  return pairs;
}, []));
if (args.help !== undefined || !args.bin) {
  console.error('usage: node ci/fanout-load.mjs --bin PATH/TO/shapesim [--clients N] [--writes K] [--interval-ms MS] [--p99-goal-ms MS] [--json FILE]');
  process.exit(2);
}
const clients = Number(args.clients ?? 10000);
const writes = Number(args.writes ?? 60);
const intervalMs = Number(args['interval-ms'] ?? 1000);
const p99Goal = Number(args['p99-goal-ms'] ?? 0);

function rssKb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmRSS:\s+(\d+)/)[1]);
}

const server = spawn(args.bin, ['serve', '--store', ':memory:', '--schema', path.join(here, 'conformance/schema.json'),
                                '--port', '0', '--max-connections', String(clients + 100)], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = out.match(/listening on http:\/\/[^:\s]+:(\d+)/);
    if (m) resolve(Number(m[1]));
  });
  server.on('exit', (code) => reject(new Error(`shapesim serve exited with ${code}`)));
});
const base = `http://127.0.0.1:${port}`;
const first = await fetch(`${base}/v1/shape?table=items&offset=-1`);
const handle = first.headers.get('electric-handle');
const startOffset = first.headers.get('electric-offset');
await first.arrayBuffer();

// One client: a raw socket that long-polls again as soon as an answer is complete.
class Client {
  constructor() {
    this.offset = startOffset;
    this.seen = new Map();  // row id -> times seen
    this.buffer = '';
    this.arrivals = new Map();  // row id -> ms
  }
  async connect() {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setEncoding('utf8');
    this.socket.on('data', (d) => this.onData(d));
    this.socket.on('error', (e) => { this.error = e; });
    await new Promise((resolve, reject) => { this.socket.once('connect', resolve); this.socket.once('error', reject); });
    this.poll();
  }
  poll() {
    this.socket.write(`GET /v1/shape?table=items&offset=${this.offset}&handle=${handle}&live=true HTTP/1.1\r\nhost: localhost\r\n\r\n`);
  }
  onData(chunk) {
    this.buffer += chunk;
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buffer.slice(0, end);
      const length = Number(head.match(/content-length: (\d+)/i)?.[1] ?? 0);
      if (this.buffer.length < end + 4 + length) return;
      const body = this.buffer.slice(end + 4, end + 4 + length);
      this.buffer = this.buffer.slice(end + 4 + length);
      if (!head.startsWith('HTTP/1.1 200')) { this.error = new Error(head.split('\r\n')[0]); return; }
      const now = performance.now();
      for (const m of JSON.parse(body)) {
        if (!m.value) continue;
        this.seen.set(m.value.id, (this.seen.get(m.value.id) ?? 0) + 1);
        this.arrivals.set(m.value.id, now);
      }
      this.offset = head.match(/electric-offset: (\S+)/i)[1];
      this.poll();
    }
  }
}

const all = [];
for (let i = 0; i < clients; i++) {
  const c = new Client();
  await c.connect();
  all.push(c);
}
await new Promise((r) => setTimeout(r, 500 + clients / 10));  // let every request park
const rssBefore = rssKb(server.pid);
const latencies = [];
let batch = 0;
for (let w = 1; w <= writes; w++) {
  const id = String(w);
  const sent = performance.now();
  const res = await fetch(`${base}/api/mutations`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: `load-${++batch}`, mutations: [{ op: 'insert', table: 'items', value: { id: w, title: `row ${w}` } }] }),
  });
  if (res.status !== 200) throw new Error(`write ${w}: ${res.status} ${await res.text()}`);
  const deadline = Date.now() + 30000;
  while (all.some((c) => !c.arrivals.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  for (const c of all) if (c.arrivals.has(id)) latencies.push(c.arrivals.get(id) - sent);
  if (w % 10 === 0) process.stderr.write(`fanout-load: ${w}/${writes} writes delivered\n`);
  await new Promise((r) => setTimeout(r, intervalMs));
}
const rssAfter = rssKb(server.pid);
server.kill('SIGTERM');

let lost = 0, duplicated = 0, errors = 0;
for (const c of all) {
  if (c.error) errors++;
  for (let w = 1; w <= writes; w++) {
    const n = c.seen.get(String(w)) ?? 0;
    if (n === 0) lost++;
    if (n > 1) duplicated++;
  }
}
latencies.sort((a, b) => a - b);
const pct = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : NaN;
const result = { clients, writes, p50_ms: pct(0.5), p99_ms: pct(0.99), max_ms: latencies.at(-1), lost, duplicated,
                 client_errors: errors, rss_before_kb: rssBefore, rss_after_kb: rssAfter };
console.log(`fanout-load: ${clients} clients, ${writes} writes: delivery p50 ${result.p50_ms.toFixed(1)} ms, ` +
            `p99 ${result.p99_ms.toFixed(1)} ms, max ${result.max_ms.toFixed(1)} ms; lost ${lost}, duplicated ${duplicated}, ` +
            `client errors ${errors}; server RSS ${rssBefore} kB -> ${rssAfter} kB`);
if (args.json) fs.writeFileSync(args.json, JSON.stringify(result) + '\n');
for (const c of all) c.socket.destroy();
const failed = lost > 0 || duplicated > 0 || errors > 0 || (p99Goal > 0 && result.p99_ms > p99Goal);
process.exit(failed ? 1 : 0);
