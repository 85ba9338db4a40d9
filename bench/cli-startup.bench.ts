/**
 * CLI start-up: wall time of `kubectl-debugdead --help` and of `kubectl-debugdead mutate -f
 * examples/heapster-pod.yaml` (the built bin, dist/cli/main.js: the bundle, under this Node), interleaved round
 * by round with `kubectl debug --help` so that machine noise hits all three alike. Prints medians and the ratios
 * to kubectl, and the load average. Targets: --help ≤ 1.0× and mutate ≤ 1.3× kubectl's time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';

const ROOT = path.join(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'dist', 'cli', 'main.js');
const HEAPSTER = path.join(ROOT, 'examples', 'heapster-pod.yaml');
const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const WARMUP = 5;
const ROUNDS = Number(process.env.ROUNDS ?? 40);

interface Subject {
  name: string;
  command: string;
  args: string[];
  times: number[];
}

const subjects: Subject[] = [
  { name: 'kubectl debug --help', command: KUBECTL, args: ['debug', '--help'], times: [] },
  { name: 'kubectl-debugdead --help', command: process.execPath, args: [BIN, '--help'], times: [] },
  {
    name: 'kubectl-debugdead mutate -f examples/heapster-pod.yaml',
    command: process.execPath,
    args: [BIN, 'mutate', '-f', HEAPSTER],
    times: [],
  },
];

function once(subject: Subject): number {
  const started = performance.now();
  const result = spawnSync(subject.command, subject.args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  const elapsed = performance.now() - started;
  if (result.status !== 0)
    throw new Error(`${subject.name} exited ${String(result.status)}: ${result.stderr.toString()}`);
  return elapsed;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
// The machine's load beside the figures: on shared cores, other jobs move these 50 ms processes by 2×.
const loadBefore = loadavg();
for (let round = 0; round < WARMUP; round += 1) for (const subject of subjects) once(subject);
for (let round = 0; round < ROUNDS; round += 1) {
  // Rotate the order each round so no subject always runs right after another.
  for (let index = 0; index < subjects.length; index += 1) {
    const subject = subjects[(index + round) % subjects.length];
    if (subject !== undefined) subject.times.push(once(subject));
  }
}

const [kubectl, help, mutate] = subjects;
if (kubectl === undefined || help === undefined || mutate === undefined) throw new Error('unreachable');
const load = (values: number[]): string => values.map((value) => value.toFixed(2)).join(' ');
console.log(`Node ${process.version}, ${ROUNDS} interleaved rounds after ${WARMUP} warm-up rounds, wall time in ms`);
console.log(`  load average before ${load(loadBefore)}, after ${load(loadavg())}`);
console.log(`  ${''.padEnd(58)} ${'min'.padStart(7)} ${'median'.padStart(7)} ${'p90'.padStart(7)}`);
for (const subject of subjects) {
  const [min, median, p90] = [0, 0.5, 0.9].map((q) => quantile(subject.times, q).toFixed(1).padStart(7));
  console.log(`  ${subject.name.padEnd(58)} ${min ?? ''} ${median ?? ''} ${p90 ?? ''}`);
}
// The median is the figure; the minimum (the run least disturbed by other load) is shown beside it because a
// shared 2-core machine makes medians of 50 ms processes noisy.
const ratios = [
  { name: '--help / kubectl debug --help', subject: help, target: 1.0 },
  { name: 'mutate / kubectl debug --help', subject: mutate, target: 1.3 },
];
for (const { name, subject, target } of ratios) {
  const median = quantile(subject.times, 0.5) / quantile(kubectl.times, 0.5);
  const min = quantile(subject.times, 0) / quantile(kubectl.times, 0);
  console.log(
    `  ratio ${name.padEnd(32)} median ${median.toFixed(2)}, min ${min.toFixed(2)}  (target ≤ ${target.toFixed(1)}: ${median <= target ? 'met' : 'MISSED'})`,
  );
}
