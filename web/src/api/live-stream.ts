import { EventSourceParserStream } from 'eventsource-parser/stream';
import { session } from '../auth/session';

export interface StreamMessage {
  id?: string;
  event?: string;
  data: string;
}

/**
 * Follows one of the API's SSE streams (a run's events or logs). EventSource cannot send the
 * Authorization header, so this reads the stream with fetch; after a dropped connection it resumes
 * from the last id it saw (Last-Event-ID), and it stops when the API ends the stream (the run
 * ended) or `signal` aborts.
 */
export async function followStream(path: string, onMessage: (message: StreamMessage) => void, signal: AbortSignal): Promise<void> {
  let lastId: string | undefined;
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      const response = await fetch(path, {
        headers: {
          accept: 'text/event-stream',
          authorization: `Bearer ${session.token() ?? ''}`,
          ...(lastId ? { 'last-event-id': lastId } : {}),
        },
        signal,
      });
      // A refusal (ended session, another tenant's run, too many streams) will not change by retrying.
      if (!response.ok || !response.body) throw new StreamRefused(response.status);
      const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
      for await (const event of events) {
        if (event.id) lastId = event.id;
        attempt = 0;
        onMessage({ id: event.id, event: event.event, data: event.data });
      }
      return;
    } catch (error) {
      if (signal.aborted || error instanceof StreamRefused) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** attempt)));
    }
  }
}

export class StreamRefused extends Error {
  constructor(readonly status: number) {
    super(`The stream was refused (${status})`);
  }
}
