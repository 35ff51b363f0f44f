// Prints two engines' bench_live_query figures side by side, with ratios, and whether their
// fingerprints agree. Exit code 1 if any fingerprint or recompute check disagrees.
//   node compare.mjs shapesim.json tanstack.json
import fs from 'node:fs';

const [ours, peer] = process.argv.slice(2).map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
const fmt = (v, digits = 2) => (v >= 100 ? v.toFixed(0) : v.toFixed(digits));
console.log(`workload: rows=${ours.rows} users=${ours.users} seed=${ours.seed} warmup=${ours.warmup} updates=${ours.updates}`);
console.log(`engines:  shapesim (C++) vs ${peer.engine} (Node ${process.version})\n`);
const header = ['query', 'first result ms', 'p50 us', 'p99 us', 'memory MiB', 'samples', 'fingerprint'];
const rows = [header];
let ok = true;
for (const q of ours.queries) {
  const p = peer.queries.find((x) => x.query === q.query);
  if (!p) continue;
  const same = q.fingerprint === p.fingerprint;
  ok = ok && same && q.matches_recompute && p.matches_recompute;
  rows.push([q.query, `${fmt(q.first_result_ms)} vs ${fmt(p.first_result_ms)} (${fmt(p.first_result_ms / q.first_result_ms, 1)}x)`,
             `${fmt(q.p50_us)} vs ${fmt(p.p50_us)} (${fmt(p.p50_us / q.p50_us, 1)}x)`,
             `${fmt(q.p99_us)} vs ${fmt(p.p99_us)} (${fmt(p.p99_us / q.p99_us, 1)}x)`,
             `${fmt(q.memory_mib, 1)} vs ${fmt(p.memory_mib, 1)}`, `${q.samples} / ${p.samples}`,
             `${q.fingerprint} ${same ? '==' : '!='} ${p.fingerprint}${q.matches_recompute && p.matches_recompute ? '' : ' (recompute differs)'}`]);
}
const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
console.log(`\n(shapesim vs tanstack; ratio = tanstack / shapesim). fingerprints ${ok ? 'agree' : 'DISAGREE'}`);
process.exit(ok ? 0 : 1);
