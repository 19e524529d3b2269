import { randomBytes } from 'node:crypto';
import { MqttClient } from 'mqtt';
import { isStepError, StepError, type StepNet } from '../../sdk/src/index.js';
import { parseConnection } from './connection.js';

/** A publisher's broker says little: a CONNACK, acks, perhaps a DISCONNECT. More than this is not an MQTT broker's doing. */
const MAX_RECEIVED_BYTES = 1024 * 1024;

/**
 * MQTT 5 reason codes a retry can fix: unspecified error (0x80), server unavailable (0x88) or busy
 * (0x89), quota exceeded (0x97), connection rate exceeded (0x9F); MQTT 3.1.1's server unavailable (3).
 * Bad user name or password (0x86, 3.1.1's 4), not authorized (0x87, 5), topic name invalid
 * (0x90), payload format invalid (0x99)… fail the same way again.
 */
const TRANSIENT_REASONS = new Set([0x80, 0x88, 0x89, 0x97, 0x9f]);

export function asStepError(error: unknown, protocolVersion: 4 | 5 = 5): StepError {
  if (isStepError(error)) return error;
  const { message = String(error), code, relayCode } = (error ?? {}) as { message?: string; code?: unknown; relayCode?: string };
  if (relayCode === 'network_denied')
    return new StepError(`MQTT connection refused by the sandbox: ${message}`, { retryable: false, code: 'network_denied' });
  if (typeof code === 'number' && code > 0) {
    const retryable = protocolVersion === 5 ? TRANSIENT_REASONS.has(code) : code === 3;
    return new StepError(`MQTT broker refused: ${message} (reason ${code})`, { retryable, code: `mqtt_${code}` });
  }
  return new StepError(`MQTT connection failed: ${message}`, { retryable: true, code: 'mqtt_connection' });
}

/**
 * One MQTT session for one step, through the worker's relay (`ctx.net`): mqtt.js takes a stream
 * builder, called here with a relay socket, so it never opens one itself. Clean session, no
 * reconnects; the broker's reason for refusing the connection or a publish is the step's error.
 * On cancel the connection is dropped at once.
 */
export async function withMqtt<T>(
  url: string,
  ctx: { net: StepNet; signal: AbortSignal },
  protocolVersion: 4 | 5,
  work: (client: MqttClient) => Promise<T>,
): Promise<T> {
  const target = parseConnection(url);
  const { signal } = ctx;
  if (signal.aborted) throw cancelledError();
  let failure: StepError | undefined;
  const client = new MqttClient(
    () => {
      const socket = ctx.net.connect({ host: target.host, port: target.port });
      let received = 0;
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received <= MAX_RECEIVED_BYTES) return;
        failure ??= new StepError(`The broker sent more than ${MAX_RECEIVED_BYTES} bytes`, { retryable: false, code: 'reply_too_large' });
        socket.destroy(failure);
      });
      return socket;
    },
    {
      protocolVersion,
      clientId: `baton-${randomBytes(8).toString('hex')}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: 60,
      manualConnect: true,
      ...(target.username !== undefined && { username: target.username }),
      ...(target.password !== undefined && { password: target.password }),
    },
  );
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      failure ??= cancelledError();
      reject(failure);
      client.end(true);
    };
  });
  aborted.catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  const connected = new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.on('error', (error) => reject(error));
  });
  // mqtt.js keeps an unacked publish for a reconnect that never comes: a lost connection ends the wait.
  let done = false;
  const lost = new Promise<never>((_, reject) =>
    client.once('close', () => (done ? undefined : reject(failure ?? new Error('the broker closed the connection')))),
  );
  lost.catch(() => undefined);
  try {
    client.connect();
    await Promise.race([connected, lost, aborted]);
    const result = await Promise.race([work(client), lost, aborted]);
    done = true;
    await Promise.race([client.endAsync(), aborted]);
    return result;
  } catch (error) {
    throw failure ?? asStepError(error, protocolVersion);
  } finally {
    signal.removeEventListener('abort', onAbort);
    client.end(true);
  }
}

const cancelledError = () => new StepError('The step was cancelled', { retryable: false, code: 'cancelled' });
