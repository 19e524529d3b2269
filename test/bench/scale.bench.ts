/**
 * `npm run bench:scale`: Baton on a real Temporal cluster (test/cluster/: two frontends, two history
 * nodes, matching and the worker service over PostgreSQL, 16 shards) with one `baton api`, first with
 * one `baton worker`, then with three. Each round starts BENCH_RUNS runs of a three-step pipeline at
 * once and waits for all; printed per worker count: the median throughput of BENCH_ROUNDS rounds
 * (runs/s, from the first start to the last end), the median p50 and p95 run latency (created to
 * ended, as the API records them), and the ratio of three workers' throughput to one's.
 */
import { median, reportResult } from './stats.js';
import { startClusterInstallation } from '../cluster/installation.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TERMINAL = ['succeeded', 'failed', 'cancelled', 'timed_out'];

interface RunSummary {
  id: string;
  status: string;
  createdAt: string;
  endedAt: string | null;
}

const installation = await startClusterInstallation({ log: (line) => console.error(line) });
try {
  const baseUrl = await installation.startApi('api-1', 0);
  const signup = await fetch(`${baseUrl}/v1/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenantName: 'Bench', email: `bench-${Date.now()}@example.test`, password: 'correct horse battery staple' }),
  });
  const { token } = (await signup.json()) as { token: string };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<Record<string, unknown>>;
  };

  const round = async (name: string) => {
    await call('PUT', `/v1/pipelines/${name}`, {
      apiVersion: 'baton/v1',
      kind: 'Pipeline',
      name,
      steps: {
        a: { uses: 'core/echo@^1', with: { n: 1 } },
        b: { uses: 'core/echo@^1', needs: ['a'], with: { n: '${{ steps.a.outputs.n + 1 }}' } },
        c: { uses: 'core/echo@^1', needs: ['b'], with: { n: '${{ steps.b.outputs.n + 1 }}' } },
      },
    });
    const started = Date.now();
    for (let i = 0; i < RUNS; i += 20)
      await Promise.all(Array.from({ length: Math.min(20, RUNS - i) }, () => call('POST', `/v1/pipelines/${name}/runs`, {})));
    for (;;) {
      const page = (await call('GET', `/v1/runs?pipeline=${name}&limit=${RUNS}`)) as unknown as { items: RunSummary[] };
      if (page.items.length === RUNS && page.items.every((run) => TERMINAL.includes(run.status))) {
        const failed = page.items.filter((run) => run.status !== 'succeeded').length;
        if (failed) throw new Error(`${failed} run(s) of ${name} did not succeed`);
        const ended = Math.max(...page.items.map((run) => Date.parse(run.endedAt!)));
        const latencies = page.items.map((run) => Date.parse(run.endedAt!) - Date.parse(run.createdAt)).sort((a, b) => a - b);
        return {
          throughput: RUNS / ((ended - started) / 1000),
          p50: latencies[Math.floor(latencies.length / 2)],
          p95: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.95))],
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  const results: Record<number, { throughput: number; p50: number; p95: number }> = {};
  for (const workers of [1, 3]) {
    while (installation.processes.size - 1 < workers)
      installation.startWorker(`worker-${installation.processes.size}`, installation.processes.size % 2);
    await round(`warm-up-${workers}`);
    const rounds = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await round(`scale-${workers}-${i}`));
    results[workers] = {
      throughput: median(rounds.map((r) => r.throughput)),
      p50: median(rounds.map((r) => r.p50)),
      p95: median(rounds.map((r) => r.p95)),
    };
    console.log(
      `${workers} worker(s): ${results[workers].throughput.toFixed(1)} runs/s, run latency p50 ${results[workers].p50} ms, p95 ${results[workers].p95} ms ` +
        `(medians of ${ROUNDS} rounds of ${RUNS} three-step runs started at once)`,
    );
  }
  console.log(`3 workers / 1 worker throughput: ${(results[3].throughput / results[1].throughput).toFixed(2)}x`);
  reportResult({
    title: `Medians of ${ROUNDS} rounds of ${RUNS} three-step runs started at once, on a real Temporal cluster`,
    columns: ['workers', 'throughput', 'run latency p50', 'p95', 'throughput × one worker'],
    rows: [1, 3].map((workers) => [
      workers,
      `${results[workers].throughput.toFixed(1)} runs/s`,
      `${results[workers].p50} ms`,
      `${results[workers].p95} ms`,
      (results[workers].throughput / results[1].throughput).toFixed(2),
    ]),
  });
} finally {
  await installation.stop();
}
