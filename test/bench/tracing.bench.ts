/**
 * `npm run bench:tracing`: what tracing costs. The harness's API and worker (tracing off) against a
 * second API and worker in the same process on a task queue of their own, tracing every request,
 * workflow, activity and step and exporting over OTLP/HTTP to a receiver in this process. Both run
 * the same pipeline of sequential `core/echo` steps, alternately; prints medians and the ratios of
 * the run-start request and of the whole run.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApi } from '../../src/api.js';
import { startTracing } from '../../src/runtime/tracing/tracing.js';
import { startWorker } from '../../workers/worker.js';
import { compare, formatTimes, ITERATIONS, median, reportResult, withBenchStack } from './harness.js';

const STEPS = Number(process.env.BENCH_STEPS ?? 10);

await withBenchStack({}, async ({ client, call, config, token }) => {
  let spans = 0;
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      spans += (body.match(/"spanId"/g) ?? []).length;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const traced = { ...config, TEMPORAL_TASK_QUEUE: 'bench-traced', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint };
  const tracing = startTracing(traced, 'baton-bench')!;
  const api = await createApi(traced);
  await api.listen({ port: 0, host: '127.0.0.1' });
  const tracedPort = (api.getHttpServer().address() as AddressInfo).port;
  const worker = await startWorker(traced, tracing);
  try {
    const steps = Object.fromEntries(
      Array.from({ length: STEPS }, (_, i) => [`s${i}`, { uses: 'core/echo@^1', with: { i }, ...(i ? { needs: [`s${i - 1}`] } : {}) }]),
    );
    await call('PUT', '/v1/pipelines/bench-traced', { apiVersion: 'baton/v1', kind: 'Pipeline', name: 'bench-traced', steps });

    const starts = { off: [] as number[], on: [] as number[] };
    const run = (base: string, into: number[]) => async () => {
      const started = performance.now();
      const response = await fetch(`${base}/v1/pipelines/bench-traced/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: '{}',
      });
      into.push(performance.now() - started);
      const { id } = (await response.json()) as { id: string };
      if (response.status !== 202) throw new Error(`run start: ${response.status}`);
      await client.workflow.getHandle(id).result();
    };
    const times = await compare(run(`http://127.0.0.1:${config.PORT}`, starts.off), run(`http://127.0.0.1:${tracedPort}`, starts.on));
    await tracing.spanProcessor.forceFlush();
    // The warm-up runs are not in the medians.
    const [offStart, onStart] = [median(starts.off.slice(1)), median(starts.on.slice(1))];
    const [off, on] = [median(times.a), median(times.b)];
    console.log(
      `\nA pipeline of ${STEPS} sequential core/echo steps, ${ITERATIONS} runs each way (after one warm-up), alternately, one process`,
    );
    console.log(`  run start (POST .../runs), tracing off: median ${offStart.toFixed(1)} ms`);
    console.log(
      `  run start (POST .../runs), tracing on:  median ${onStart.toFixed(1)} ms   ratio on/off ${(onStart / offStart).toFixed(2)}`,
    );
    console.log(`  whole run, tracing off: ${formatTimes(times.a)}`);
    console.log(`  whole run, tracing on:  ${formatTimes(times.b)}`);
    console.log(
      `  ratio on/off: ${(on / off).toFixed(2)}   per step: ${((on - off) / STEPS).toFixed(1)} ms   spans exported: ${spans} (${(spans / (ITERATIONS + 1)).toFixed(0)} a run)`,
    );
    reportResult({
      title: `A pipeline of ${STEPS} sequential core/echo steps, ${ITERATIONS} runs each way after a warm-up; ${(spans / (ITERATIONS + 1)).toFixed(0)} spans a run`,
      columns: ['', 'tracing off', 'tracing on', 'ratio on/off'],
      rows: [
        ['run start (POST .../runs), median', `${offStart.toFixed(1)} ms`, `${onStart.toFixed(1)} ms`, (onStart / offStart).toFixed(2)],
        ['whole run, median', `${(off / 1000).toFixed(3)} s`, `${(on / 1000).toFixed(3)} s`, (on / off).toFixed(2)],
      ],
    });
  } finally {
    await worker.shutdown();
    await api.close();
    await tracing.shutdown();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
});
process.exit(0);
