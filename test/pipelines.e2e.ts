import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { api, newPipeline, newTenant, uniqueName } from './support/builders.js';

const echo = (extra: Record<string, unknown> = {}) => ({ uses: 'core/echo@^1', with: { value: 1 }, ...extra });

describe('pipelines', () => {
  it('validates a definition and returns the plan with pinned plugin versions', async () => {
    const tenant = await newTenant();
    const definition = newPipeline('plan', {
      a: echo(),
      b: echo({ needs: ['a'] }),
      c: echo({ needs: ['a'] }),
      d: echo({ needs: ['b', 'c'] }),
    });
    const { body } = await tenant.post('/v1/pipelines/validate', definition).expect(200);
    expect(body.valid).toBe(true);
    expect(body.plan.order).toEqual(['a', 'b', 'c', 'd']);
    expect(body.plan.steps[0]).toMatchObject({
      id: 'a',
      uses: 'core/echo@^1',
      pinned: { plugin: 'core', step: 'echo', version: '1.0.0', digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) },
    });
  });

  it('reports every problem with its path: cycle, unknown need, unknown plugin, bad with, bad expression', async () => {
    const tenant = await newTenant();
    const definition = newPipeline('broken', {
      a: echo({ needs: ['b'] }),
      b: echo({ needs: ['a'] }),
      c: echo({ needs: ['ghost'] }),
      d: { uses: 'nope/thing@^1' },
      e: { uses: 'core/sleep@^1', with: { ms: 'soon' } },
      f: { uses: 'core/echo@^1', with: { v: '${{ steps.nobody.outputs.x }}' } },
      g: { uses: 'core/echo@^1', with: { v: '${{ inputs. }}' } },
      h: { uses: 'core/echo@^1', with: { token: 'Bearer ${{ secrets.TOKEN }}' } },
      i: { uses: 'core/echo@^1', with: { token: '${{ secrets.TOKEN }}' } },
    });
    const response = await tenant.post('/v1/pipelines/validate', definition).expect(422);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    const paths = response.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'steps.c.needs[0]',
        'steps.d.uses',
        'steps.e.with.ms',
        'steps.f.with.v',
        'steps.g.with.v',
        'steps.h.with.token',
        'steps.i.with.token',
      ]),
    );
    expect(paths.some((p: string) => /^steps\.(a|b)\.needs/.test(p))).toBe(true);
    expect(JSON.stringify(response.body.errors)).toMatch(/cycle/i);
    await tenant.put('/v1/pipelines/broken', definition).expect(422);
  });

  it('applies GitOps-style: 201 for a new version, 200 when unchanged, YAML accepted', async () => {
    const tenant = await newTenant();
    const name = uniqueName('apply');
    const v1 = newPipeline(name, { a: echo() });
    const first = await tenant.put(`/v1/pipelines/${name}`, v1).expect(201);
    expect(first.body).toMatchObject({ name, version: 1 });
    await tenant.put(`/v1/pipelines/${name}`, v1).expect(200);
    const yaml = YAML.stringify(newPipeline(name, { a: echo(), b: echo({ needs: ['a'] }) }));
    const second = await tenant.put(`/v1/pipelines/${name}`).set('content-type', 'application/yaml').send(yaml).expect(201);
    expect(second.body.version).toBe(2);

    expect((await tenant.get(`/v1/pipelines/${name}`).expect(200)).body.version).toBe(2);
    expect((await tenant.get(`/v1/pipelines/${name}/versions/1`).expect(200)).body.definition.steps).toEqual({ a: echo() });
    const versions = await tenant.get(`/v1/pipelines/${name}/versions`).expect(200);
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const list = await tenant.get('/v1/pipelines').expect(200);
    expect(list.body.items).toEqual([expect.objectContaining({ name, latestVersion: 2 })]);
  });

  it('refuses a name that differs from the URL and deletes pipelines', async () => {
    const tenant = await newTenant();
    const mismatch = await tenant.put('/v1/pipelines/one', newPipeline('two', { a: echo() })).expect(422);
    expect(mismatch.body.errors[0].path).toBe('name');
    await tenant.put('/v1/pipelines/gone', newPipeline('gone', { a: echo() })).expect(201);
    await tenant.delete('/v1/pipelines/gone').expect(204);
    await tenant.get('/v1/pipelines/gone').expect(404);
    await tenant.delete('/v1/pipelines/gone').expect(404);
  });

  it('keeps tenants apart', async () => {
    const [a, b] = [await newTenant(), await newTenant()];
    await a.put('/v1/pipelines/private', newPipeline('private', { a: echo() })).expect(201);
    await b.get('/v1/pipelines/private').expect(404);
    await b.get('/v1/pipelines/private/versions').expect(404);
    await b.get('/v1/pipelines/private/versions/1').expect(404);
    await b.post('/v1/pipelines/private/runs', {}).expect(404);
    await b.delete('/v1/pipelines/private').expect(404);
    await a.get('/v1/pipelines/private').expect(200);
    expect((await b.get('/v1/pipelines').expect(200)).body.items).toEqual([]);
  });

  it('lists the installed plugins with their step schemas', async () => {
    const tenant = await newTenant();
    const { body } = await tenant.get('/v1/plugins').expect(200);
    const names = body.items.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['core', 'http', 'transform']));
    await api().get('/v1/plugins').expect(401);
  });
});
