import { z } from 'zod';
import { defineStep, secret } from '../../sdk/src/index.js';
import { CONNECTION_URL } from './connection.js';
import { withMqtt } from './session.js';

/** A topic to publish to: no wildcards (`+`, `#`). */
const TOPIC = /^[^+#]+$/;

export const publishStep = defineStep({
  id: 'publish',
  title: 'Publish a message to an MQTT topic',
  description:
    "Publishes `payload` (text as it is, anything else as JSON) to `topic` with QoS 0, 1 or 2 and, with `retain`, as the topic's retained message. At QoS 1 the step waits for the broker's PUBACK, at QoS 2 for its PUBCOMP: the broker has the message. MQTT 5 by default (`protocolVersion: 4` for 3.1.1 brokers). Pass the connection as a secret: `connection: ${{ secrets.MQTT_URL }}`.",
  input: z.strictObject({
    connection: secret(z.string().regex(CONNECTION_URL, { error: 'Must be an mqtt:// URL' })),
    topic: z.string().min(1).max(32_767).regex(TOPIC, { error: 'Must be a topic name without wildcards (+, #)' }),
    payload: z.json().default('').describe('Text is sent as it is; anything else as JSON'),
    qos: z.literal([0, 1, 2]).default(1),
    retain: z.boolean().default(false),
    protocolVersion: z.literal([4, 5]).default(5),
    contentType: z.string().max(255).optional().describe('MQTT 5 content type'),
  }),
  output: z.strictObject({ topic: z.string(), bytes: z.number().int(), qos: z.number().int(), retain: z.boolean() }),
  async run({ connection, topic, payload, qos, retain, protocolVersion, contentType }, ctx) {
    const bytes = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
    await withMqtt(connection, ctx, protocolVersion, (client) =>
      client.publishAsync(topic, bytes, {
        qos,
        retain,
        ...(protocolVersion === 5 && contentType !== undefined && { properties: { contentType } }),
      }),
    );
    ctx.log(`Published ${bytes.length} bytes to ${topic} at QoS ${qos}${retain ? ', retained' : ''}`);
    ctx.metric('messages_published', 1, { qos: String(qos) });
    return { topic, bytes: bytes.length, qos, retain };
  },
});
