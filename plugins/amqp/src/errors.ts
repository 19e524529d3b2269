import { isStepError, StepError } from '../../sdk/src/index.js';

/**
 * AMQP reply codes worth another attempt: connection-forced (320, a broker restarting), resource
 * locked (405, an exclusive queue another connection holds), resource-error (506, a broker out of
 * memory or disk) and internal-error (541). The rest (access-refused 403, not-found 404,
 * precondition-failed 406…) fail the same way again.
 */
const TRANSIENT_REPLIES = new Set([320, 405, 506, 541]);

export const isTransient = (reply: number) => TRANSIENT_REPLIES.has(reply);

/**
 * A client error as a StepError that says whether a retry can help: `amqp_<reply code>` for what
 * the broker answered (`connection closed: NOT_FOUND - no exchange 'x' in vhost '/' (404)`),
 * `network_denied` when the sandbox refused the endpoint, `amqp_connection` when the connection
 * failed or went away. The messages are the broker's and the relay's, never the connection URL.
 */
export function asStepError(error: unknown): unknown {
  if (isStepError(error)) return error;
  const { message = String(error), code, relayCode } = (error ?? {}) as { message?: string; code?: string; relayCode?: string };
  if (relayCode === 'network_denied')
    return new StepError(`AMQP connection refused by the sandbox: ${message}`, { retryable: false, code: 'network_denied' });
  if (code === 'message_too_large') return new StepError(message, { retryable: false, code });
  if (code === 'amqp_protocol') return new StepError(`AMQP protocol error: ${message}`, { retryable: false, code });
  const reply = /^(connection|channel \d+) closed: (.*) \((\d{3})\)$/is.exec(message);
  if (reply) {
    const replyCode = Number(reply[3]);
    return new StepError(`AMQP error ${replyCode}: ${reply[2]}`, { retryable: isTransient(replyCode), code: `amqp_${replyCode}` });
  }
  return new StepError(`AMQP connection failed: ${message}`, { retryable: true, code: 'amqp_connection' });
}
