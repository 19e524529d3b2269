import { describe, expect, inject, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { allEvents, newPipeline, newTenant, runToEnd, startRun, stepOf, uniqueName, waitForRun } from './support/builders.js';

const orders = [
  { id: 1, customer: 'c1', qty: 2, price: 5, status: 'paid' },
  { id: 2, customer: 'c2', qty: 1, price: 7, status: 'open' },
  { id: 3, customer: 'c1', qty: 3, price: 1, status: 'paid' },
];
const customers = [
  { id: 'c1', name: 'Ada' },
  { id: 'c2', name: 'Grace' },
];

/** An object as the S3-compatible service holds it, read with plain HTTP (the test service checks no signatures). */
async function storedObject(key: string): Promise<string> {
  const { endpoint, bucket } = inject('s3');
  const response = await fetch(`${endpoint}/${bucket}/${key}`);
  expect(response.status, key).toBe(200);
  return response.text();
}

describe('files and datasets', () => {
  it('writes and reads CSV, JSON and NDJSON in the artifact store, passing datasets between steps by reference', async () => {
    const tenant = await newTenant();
    const definition = newPipeline(
      uniqueName('report'),
      {
        seed_orders: { uses: 'files/write@^1', with: { path: 'imports/orders.csv', rows: orders } },
        seed_customers: { uses: 'files/write@^1', with: { path: 'imports/customers.ndjson', rows: customers } },
        orders: { uses: 'files/read@^1', needs: ['seed_orders'], with: { path: 'imports/orders.csv', cast: true } },
        customers: { uses: 'files/read@^1', needs: ['seed_customers'], with: { path: 'imports/customers.ndjson' } },
        paid: {
          uses: 'transform/dataset@^1',
          needs: ['orders'],
          with: {
            dataset: '${{ steps.orders.outputs.dataset }}',
            expression: '$[status = "paid"].{ "id": id, "customer": customer, "total": qty * price }',
          },
        },
        named: {
          uses: 'transform/dataset@^1',
          needs: ['paid', 'customers'],
          with: {
            dataset: '${{ steps.paid.outputs.dataset }}',
            join: { customers: '${{ steps.customers.outputs.dataset }}' },
            expression: '$.( $o := $; $merge([$o, { "name": $customers[id = $o.customer].name }]) )',
          },
        },
        revenue: {
          uses: 'transform/dataset@^1',
          needs: ['named'],
          with: { dataset: '${{ steps.named.outputs.dataset }}', expression: '$sum(total)', as: 'value' },
        },
        export: {
          uses: 'files/write@^1',
          needs: ['named'],
          with: { path: 'exports/paid.json', dataset: '${{ steps.named.outputs.dataset }}' },
        },
        check: { uses: 'files/read@^1', needs: ['export'], with: { path: 'exports/paid.json', as: 'rows' } },
      },
      { outputs: { revenue: '${{ steps.revenue.outputs.value }}', exported: '${{ steps.check.outputs.rows }}' } },
    );

    const run = await runToEnd(tenant, definition);
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(run.outputs).toEqual({
      revenue: 13,
      exported: [
        { id: 1, customer: 'c1', total: 10, name: 'Ada' },
        { id: 3, customer: 'c1', total: 3, name: 'Ada' },
      ],
    });
    // Step outputs hold references, never the rows.
    expect(stepOf(run, 'orders').outputs).toMatchObject({
      count: 3,
      dataset: { format: 'ndjson', rows: 3, artifact: expect.stringMatching(new RegExp(`^runs/${run.id}/`)) },
    });
    expect(stepOf(run, 'orders').outputs).not.toHaveProperty('rows');
    // Each step recorded what it read and wrote, for the lineage graph.
    const lineage = (await allEvents(tenant, run.id)).filter((e) => e.type === 'step.lineage' && e.stepId === 'named');
    const paid = (stepOf(run, 'paid').outputs as { dataset: { artifact: string } }).dataset.artifact;
    const joined = (stepOf(run, 'customers').outputs as { dataset: { artifact: string } }).dataset.artifact;
    const named = (stepOf(run, 'named').outputs as { dataset: { artifact: string } }).dataset.artifact;
    expect(lineage.map((e) => [e.direction, e.namespace, e.name])).toEqual([
      ['input', 'baton-artifacts', paid],
      ['input', 'baton-artifacts', joined],
      ['output', 'baton-artifacts', named],
    ]);

    // In the stack's S3-compatible store, under the tenant's own prefix.
    expect(JSON.parse(await storedObject(`${tenant.tenantId}/exports/paid.json`))).toHaveLength(2);
    expect(await storedObject(`${tenant.tenantId}/imports/orders.csv`)).toBe(
      'id,customer,qty,price,status\n1,c1,2,5,paid\n2,c2,1,7,open\n3,c1,3,1,paid\n',
    );

    // Another tenant reads the same key and finds nothing of the first tenant's.
    const other = await newTenant();
    const peek = await runToEnd(
      other,
      newPipeline(uniqueName('peek'), {
        read: { uses: 'files/read@^1', with: { path: 'exports/paid.json', as: 'rows' }, retry: { maxAttempts: 1 } },
      }),
    );
    expect(stepOf(peek, 'read')).toMatchObject({ status: 'failed', error: { message: 'no artifact exports/paid.json' } });
    const climb = await runToEnd(
      other,
      newPipeline(uniqueName('climb'), {
        read: { uses: 'files/read@^1', with: { path: `../${tenant.tenantId}/exports/paid.json`, as: 'rows' }, retry: { maxAttempts: 1 } },
      }),
    );
    expect(stepOf(climb, 'read')).toMatchObject({
      status: 'failed',
      error: { message: expect.stringContaining('must be a relative path') },
    });
  });

  it('gives each forEach item a dataset of its own', async () => {
    const tenant = await newTenant();
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('items'), {
        seed: { uses: 'files/write@^1', with: { path: 'orders.ndjson', rows: orders } },
        all: { uses: 'files/read@^1', needs: ['seed'], with: { path: 'orders.ndjson' } },
        one: {
          uses: 'transform/dataset@^1',
          needs: ['all'],
          forEach: [1, 2, 3],
          with: { dataset: '${{ steps.all.outputs.dataset }}', expression: '$[id = ${{ item }}]' },
        },
      }),
    );
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const outputs = stepOf(run, 'one').outputs as unknown as Array<{ count: number; dataset: { artifact: string } }>;
    expect(outputs.map((o) => o.count)).toEqual([1, 1, 1]);
    expect(new Set(outputs.map((o) => o.dataset.artifact)).size).toBe(3);
  });

  it('runs examples/orders-report.yaml as written: fetch, land, check, keep the paid orders, write a CSV', async () => {
    const server = createServer((_request, response) =>
      response.setHeader('content-type', 'application/json').end(JSON.stringify(orders.map((o) => ({ ...o, amount: o.qty * o.price })))),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const tenant = await newTenant();
      const saved = await tenant
        .put('/v1/pipelines/orders-report', readFileSync(new URL('../examples/orders-report.yaml', import.meta.url), 'utf8'))
        .set('content-type', 'application/yaml');
      expect(saved.status, JSON.stringify(saved.body)).toBe(201);
      const source = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
      const run = await waitForRun(tenant, await startRun(tenant, 'orders-report', { inputs: { source } }));
      expect(run.status, JSON.stringify(run)).toBe('succeeded');
      expect(run.outputs).toEqual({ report: 'reports/paid-orders.csv', rows: 2 });
      expect(stepOf(run, 'check').outputs).toMatchObject({ passed: true, rows: 3 });
      expect(await storedObject(`${tenant.tenantId}/reports/paid-orders.csv`)).toBe('id,customer,amount\n1,c1,10\n3,c1,3\n');
    } finally {
      server.close();
    }
  });
});
