import { createServer, type AddressInfo, type Server } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newPipeline, newTenant, runToEnd, stepOf, uniqueName, type TestTenant } from '../support/builders.js';
import { approveEndpoints, asOwner } from '../support/plugin-packages.js';
import { attempt, publishIntruder } from '../support/intruder.js';

/**
 * Attack 1 of issue 17: a step with raw network reaches the installation itself. A tenant approves,
 * for its own plugin, the control database, Temporal, the API and the cloud metadata address, and
 * its steps (and the first-party postgres plugin) try each: the worker's relay refuses them all,
 * and a socket of the step's own reaches nothing. The legitimate path still works: an approved
 * database, and only for the tenant that approved it.
 */
describe('raw network cannot reach the installation', () => {
  let attacker: TestTenant;
  let plugin: string;
  let elsewhere: Server;
  const endpoint = (url: string) => `${new URL(url).hostname}:${new URL(url).port}`;
  const control = endpoint(inject('databaseUrl'));
  const temporal = inject('temporalAddress');
  const apiEndpoint = endpoint(inject('baseUrl'));
  const warehouse = endpoint(inject('warehouseUrl'));

  beforeAll(async () => {
    attacker = await newTenant();
    plugin = await publishIntruder(attacker);
    elsewhere = createServer((socket) => socket.end('hello'));
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise((resolve) => elsewhere.close(resolve)));

  const hostPort = (text: string) => ({ host: text.slice(0, text.lastIndexOf(':')), port: Number(text.slice(text.lastIndexOf(':') + 1)) });

  it('refuses the control database, Temporal, the API and the metadata address, even when the tenant approved them', async () => {
    const approved = [control, temporal, apiEndpoint, '169.254.169.254:80', warehouse];
    // Approving is the tenant's to do, and the patterns allow any endpoint: the refusal is the relay's.
    expect((await asOwner(attacker).put(`/v1/plugins/${plugin}/network`, { endpoints: approved })).status).toBe(200);
    await approveEndpoints(attacker, 'postgres', [inject('databaseUrl'), inject('warehouseUrl')]);
    const unapproved = `127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;

    const run = await runToEnd(
      attacker,
      newPipeline(uniqueName('reach'), {
        database: attempt(plugin, 'connect', hostPort(control)),
        temporal: attempt(plugin, 'connect', hostPort(temporal)),
        api: attempt(plugin, 'connect', hostPort(apiEndpoint)),
        metadata: attempt(plugin, 'connect', hostPort('169.254.169.254:80')),
        unapproved: attempt(plugin, 'connect', hostPort(unapproved)),
        own_socket: attempt(plugin, 'raw-socket', hostPort(control)),
        // The first-party connector is no way around it: it connects through the same relay.
        superuser_sql: {
          uses: 'postgres/query@^1',
          continueOnError: true,
          retry: { maxAttempts: 1 },
          with: { connection: inject('databaseUrl'), sql: 'SELECT count(*) FROM tenant' },
        },
        // The way that should work still does.
        warehouse: attempt(plugin, 'connect', hostPort(warehouse)),
        warehouse_sql: { uses: 'postgres/query@^1', with: { connection: inject('warehouseUrl'), sql: 'SELECT 1 AS one' } },
      }),
      {},
      120_000,
    );

    const refused = (id: string, reason: RegExp) =>
      expect(stepOf(run, id), id).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(reason) } });
    refused('database', /this installation's own services/);
    refused('temporal', /this installation's own services/);
    refused('api', /this installation's own services/);
    refused('metadata', /cloud metadata address/);
    refused('unapproved', /not an endpoint this tenant approved/);
    // The namespace's own loopback, where nothing listens.
    refused('own_socket', /ECONNREFUSED/);
    refused('superuser_sql', /refused by the sandbox: .*this installation's own services/);
    expect(stepOf(run, 'warehouse')).toMatchObject({ status: 'succeeded', outputs: { connected: true } });
    expect(stepOf(run, 'warehouse_sql')).toMatchObject({ status: 'succeeded', outputs: { rows: [{ one: 1 }] } });
  });

  it("keeps one tenant's approvals its own", async () => {
    const bystander = await newTenant();
    const run = await runToEnd(
      bystander,
      newPipeline(uniqueName('unapproved'), {
        query: {
          uses: 'postgres/query@^1',
          retry: { maxAttempts: 1 },
          with: { connection: inject('warehouseUrl'), sql: 'SELECT 1 AS one' },
        },
      }),
    );
    expect(stepOf(run, 'query')).toMatchObject({
      status: 'failed',
      error: { message: expect.stringMatching(/not an endpoint this tenant approved .*PUT \/v1\/plugins\/postgres\/network/) },
    });
  });

  it("refuses endpoints outside the plugin's patterns, or not host:port, by field", async () => {
    const tenant = await newTenant();
    const response = await asOwner(tenant).put('/v1/plugins/postgres/network', {
      endpoints: ['db.example.com:5432', 'db.example.com', '*.example.com:5432'],
    });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: 'invalid_endpoint', errors: [{ path: 'endpoints.1' }] });
  });

  it('connects Baton to its embedded database as a role that is not a superuser, and the superuser has no default password', async () => {
    const db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
    try {
      expect(
        (await db.query('SELECT current_user AS role, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser')).rows[0],
      ).toEqual({ role: 'baton', superuser: false });
      await expect(db.query("SELECT pg_read_file('/etc/passwd')")).rejects.toThrow(/permission denied/);
    } finally {
      await db.end();
    }
    const { hostname, port } = new URL(inject('databaseUrl'));
    const legacy = new pg.Client({ host: hostname, port: Number(port), user: 'postgres', password: 'postgres', database: 'postgres' });
    await expect(legacy.connect()).rejects.toThrow(/password authentication failed/);
  });
});
