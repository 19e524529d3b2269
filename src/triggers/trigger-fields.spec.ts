import { describe, expect, it } from 'vitest';
import { UpdateTriggerBody } from './dto/triggers.dto.js';
import { changeOf, fieldsOfCreate, triggerProblems, type TriggerLookups } from './trigger-fields.js';
import type { TriggerFields } from './triggers.repository.js';

const patch = (body: Record<string, unknown>) => UpdateTriggerBody.parse(body);

describe('trigger fields', () => {
  it('reads a PATCH as the fields it sets, null clearing, left out unchanged, name@tag split', () => {
    expect(changeOf('event', patch({ name: null, pipeline: 'retrain@prod', inputs: null, cooldown: '6h' }))).toEqual({
      change: { name: null, pipelineName: 'retrain', pipelineTag: 'prod', inputsExpression: null, cooldownSeconds: 21_600 },
      problems: [],
    });
    expect(changeOf('webhook', patch({ pipeline: 'orders' })).change).toEqual({ pipelineName: 'orders', pipelineTag: null });
    expect(changeOf('pipeline', patch({ source: 'etl', on: 'failed' })).change).toEqual({ sourcePipeline: 'etl', onStatus: 'failed' });
  });

  it('names each field the trigger type does not have, and a pipeline trigger without a source', () => {
    expect(changeOf('webhook', patch({ on: 'failed', source: 'x', inputs: 'body' })).problems.map((p) => p.path)).toEqual(['source', 'on']);
    expect(changeOf('pipeline', patch({ inputs: 'x', cooldown: '1h', event: 'model.drift_detected' })).problems.map((p) => p.path)).toEqual(
      ['inputs', 'event', 'cooldown'],
    );
    expect(changeOf('event', patch({ on: 'succeeded' })).problems.map((p) => p.path)).toEqual(['on']);
    expect(changeOf('pipeline', patch({ source: null })).problems).toEqual([
      { path: 'source', message: expect.stringMatching(/give its name/) },
    ]);
    expect(changeOf('event', patch({ source: null })).problems).toEqual([]);
  });

  it("sets a broker trigger's fields over its broker as it is, and names those of another kind", () => {
    const broker = { connectionSecret: 'RABBIT_URL', queue: 'orders', idHeader: null, prefetch: 10 };
    expect(changeOf('amqp', patch({ queue: 'refunds', idHeader: 'x-id', enabled: false }), broker).change).toEqual({
      enabled: false,
      broker: { ...broker, queue: 'refunds', idHeader: 'x-id' },
    });
    expect(changeOf('amqp', patch({ enabled: true }), broker).change).toEqual({ enabled: true });
    expect(changeOf('amqp', patch({ subject: 'a.b', stream: 'S' }), broker).problems.map((p) => p.path)).toEqual(['subject', 'stream']);
    expect(changeOf('webhook', patch({ enabled: false })).problems.map((p) => p.path)).toEqual(['enabled']);
  });

  it('refuses an empty PATCH and a type, naming them', () => {
    expect(UpdateTriggerBody.safeParse({}).error?.issues.map((i) => [i.path, i.message])).toEqual([
      [[], 'Give at least one field to change'],
    ]);
    expect(UpdateTriggerBody.safeParse({ type: 'event' }).error?.issues).toEqual([
      expect.objectContaining({ code: 'unrecognized_keys', keys: ['type'] }),
    ]);
  });

  describe(triggerProblems.name, () => {
    const looked: string[] = [];
    const lookups: TriggerLookups = {
      findRef: async (_tenant, ref) => {
        looked.push(ref);
        return ['orders', 'etl', 'orders@prod'].includes(ref) ? {} : null;
      },
      mappingProblem: (expression) => (expression.includes('(') ? 'Not a JSONata expression' : undefined),
      brokerProblem: async (_tenant, _type, secret) => (secret === 'RABBIT_URL' ? undefined : `Secret ${secret} was not found`),
    };
    const base = fieldsOfCreate({ type: 'pipeline', pipeline: 'orders', source: 'etl', on: 'succeeded' });

    it('looks up what is given only, and judges the trigger as it would be', async () => {
      looked.length = 0;
      expect(await triggerProblems(lookups, 't', base, base)).toEqual([]);
      expect(looked).toEqual(['orders', 'etl']);
      looked.length = 0;
      const renamed: TriggerFields = { ...base, pipelineName: 'gone', name: 'n' };
      expect(await triggerProblems(lookups, 't', renamed, { name: 'n' })).toEqual([]);
      expect(looked).toEqual([]);
    });

    it('names the missing pipeline or tag, the missing source, the loop and the mapping', async () => {
      const tagged = { ...base, pipelineTag: 'dev' };
      expect(await triggerProblems(lookups, 't', tagged, { pipelineName: 'orders', pipelineTag: 'dev' })).toEqual([
        { path: 'pipeline', message: 'Pipeline orders has no tag dev' },
      ]);
      expect(await triggerProblems(lookups, 't', { ...base, sourcePipeline: 'nope' }, { sourcePipeline: 'nope' })).toEqual([
        { path: 'source', message: 'Pipeline nope was not found' },
      ]);
      // A loop is named by the field that made it.
      const loop = { ...base, sourcePipeline: 'orders' };
      expect((await triggerProblems(lookups, 't', loop, { sourcePipeline: 'orders' })).map((p) => p.path)).toEqual(['source']);
      expect((await triggerProblems(lookups, 't', loop, { pipelineName: 'orders', pipelineTag: null })).map((p) => p.path)).toEqual([
        'pipeline',
      ]);
      const event = fieldsOfCreate({ type: 'event', event: 'model.drift_detected', pipeline: 'orders', inputs: '$x(' });
      expect(await triggerProblems(lookups, 't', event, event)).toEqual([{ path: 'inputs', message: 'Not a JSONata expression' }]);
    });
  });
});
