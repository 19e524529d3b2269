import { createParser } from 'eventsource-parser';
import { BatonApiError } from './problem.js';

export interface StreamedEvent {
  id: number;
  type: string;
  stepId: string | null;
  at: string;
  [field: string]: unknown;
}

/**
 * Follows a run's Server-Sent Events (`/v1/runs/{id}/events` or `/logs`) until the run ends,
 * reconnecting after a dropped connection from the last event seen (`Last-Event-ID`), so no
 * event is lost or shown twice.
 */
export async function followEvents(options: {
  url: string;
  token?: string;
  path: string;
  onEvent: (event: StreamedEvent) => void;
  signal?: AbortSignal;
  /** How many times in a row a dropped connection is retried. */
  reconnects?: number;
  fetch?: typeof globalThis.fetch;
}): Promise<void> {
  const fetcher = options.fetch ?? globalThis.fetch;
  let lastId: number | undefined;
  let failures = 0;
  for (;;) {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (lastId !== undefined) headers['last-event-id'] = String(lastId);
    try {
      const response = await fetcher(`${options.url.replace(/\/+$/, '')}${options.path}`, { headers, signal: options.signal });
      if (!response.ok || !response.body) {
        throw new BatonApiError(response.status, (await response.json().catch(() => ({}))) as Record<string, unknown>);
      }
      const parser = createParser({
        onEvent: (message) => {
          const event = JSON.parse(message.data) as StreamedEvent;
          lastId = event.id;
          failures = 0;
          options.onEvent(event);
        },
      });
      const decoder = new TextDecoder();
      for await (const chunk of response.body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      // The API ends the stream when the run ends.
      return;
    } catch (error) {
      if (options.signal?.aborted || error instanceof BatonApiError) throw error;
      if (++failures > (options.reconnects ?? 5)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * failures));
    }
  }
}
