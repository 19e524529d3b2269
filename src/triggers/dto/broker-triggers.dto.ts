import { z } from 'zod';
import { instant } from '../../common/openapi/views.js';
import { secretNameParam } from '../../secrets/dto/secrets.dto.js';

/** Messages one listener has in hand at once (unacknowledged), unless the trigger says. */
export const DEFAULT_PREFETCH = 10;

const queue = z.string().min(1).max(255);
/** A NATS subject a consumer may listen to: tokens separated by dots, `*` and a last `>` as wildcards. */
const subject = z
  .string()
  .max(255)
  .regex(/^([^.\s*>]+|\*)(\.([^.\s*>]+|\*))*(\.>)?$|^>$/, { message: 'Must be a NATS subject (e.g. orders.created, orders.*)' });
const name = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'Must match [A-Za-z0-9_-]{1,64}' });
const header = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, { message: 'Must be a header name' });
const prefetch = z.int().min(1).max(100);

/** The broker fields of each kind, as made (`POST`) and as changed (`PATCH`). */
export const brokerCreateFields = {
  amqp: {
    /** The tenant secret holding the broker's URL (`amqp://user:password@host:5672/vhost`). */
    connectionSecret: secretNameParam,
    queue,
    /** The header carrying the message id; the `message-id` property when left out. */
    idHeader: header.optional(),
    prefetch: prefetch.optional(),
    enabled: z.boolean().optional(),
  },
  nats: {
    /** The tenant secret holding the server's URL (`nats://user:password@host:4222`, or `nats://token@host:4222`). */
    connectionSecret: secretNameParam,
    subject,
    /** Core NATS: the queue group the listener joins. */
    queueGroup: name.optional(),
    /** JetStream: the stream whose messages on `subject` a durable consumer reads (at least once). */
    stream: name.optional(),
    prefetch: prefetch.optional(),
    enabled: z.boolean().optional(),
  },
};

export const brokerUpdateFields = {
  connectionSecret: secretNameParam.optional(),
  queue: queue.optional(),
  idHeader: header.nullable().optional(),
  subject: subject.optional(),
  queueGroup: name.nullable().optional(),
  stream: name.nullable().optional(),
  prefetch: prefetch.optional(),
  enabled: z.boolean().optional(),
};

/** What the listener said last: `starting` until one replica picked the trigger up. */
export const ListenerView = z.strictObject({
  state: z.enum(['starting', 'connecting', 'connected', 'error', 'stopped']),
  error: z.string().nullable().describe('Why it is not connected (`error`): what the broker or the address policy said'),
  since: instant.nullable(),
});

const brokerViewFields = {
  inputs: z.string().nullable().describe('The expression mapping `{ body, headers, message }` to run inputs'),
  connectionSecret: z.string().describe("The tenant secret holding the broker's URL"),
  prefetch: z.int(),
  enabled: z.boolean(),
  listener: ListenerView,
};

export const brokerViewShapes = {
  amqp: { ...brokerViewFields, queue: z.string(), idHeader: z.string().nullable() },
  nats: { ...brokerViewFields, subject: z.string(), queueGroup: z.string().nullable(), stream: z.string().nullable() },
};
