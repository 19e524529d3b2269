import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { TERMINAL_RUN_STATUSES } from '../../workers/contracts/index.js';
import type { Principal } from '../common/auth/principal.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import type { RunEventEntity } from './entities/run-event.entity.js';
import { RunEventsListener } from './run-events.listener.js';
import { RunsError, stepNotInRun } from './runs.errors.js';
import { RunsRepository, type EventFilter } from './runs.repository.js';
import { toEventResponse } from './runs.service.js';
import { StreamSlots } from './stream-slots.js';

const STREAM_PAGE = 500;
/** A comment line this often keeps proxies from closing an idle stream, and re-reads in case a notification was lost. */
const STREAM_HEARTBEAT_MS = 15_000;
/** What a client refused a stream is told to wait: streams end when their runs do. */
const STREAM_RETRY_AFTER_SECONDS = 10;

/** Where a live event stream goes (Server-Sent Events over the HTTP response). */
export interface EventSink {
  send(event: ReturnType<typeof toEventResponse>): void;
  comment(text: string): void;
  end(): void;
  /** Resolves when the stream is over, by either side. */
  closed: Promise<void>;
}

/**
 * Live streams of runs' events, at most RUN_STREAMS_PER_TENANT open per tenant on this replica;
 * those still open when the API stops are ended, so that stopping does not wait for their runs.
 */
@Injectable()
export class RunEventStreams implements BeforeApplicationShutdown {
  private readonly logger = new Logger(RunEventStreams.name);
  private readonly slots: StreamSlots;
  private readonly sinks = new Set<EventSink>();

  constructor(
    private readonly runs: RunsRepository,
    private readonly notifications: RunEventsListener,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'RUN_STREAMS_PER_TENANT'>,
  ) {
    this.slots = new StreamSlots(config.RUN_STREAMS_PER_TENANT);
  }

  beforeApplicationShutdown(): void {
    for (const sink of this.sinks) sink.end();
  }

  /**
   * The run's events as they happen, after `after` (an event id: `Last-Event-ID` on reconnect),
   * optionally only some (`filter`, e.g. its logs): what is there now, then what the worker
   * appends, announced through PostgreSQL NOTIFY; ends once the run has ended and everything it
   * recorded was sent. The stream is opened only once the run is found (else the usual 404).
   */
  async stream(
    principal: Principal,
    id: string,
    after: number | undefined,
    open: () => EventSink,
    filter: Omit<EventFilter, 'after' | 'limit'> = {},
  ): Promise<void> {
    const tenantId = principal.tenantId;
    if (!(await this.runs.findById(tenantId, id))) throw new RunsError('run_not_found', `Run ${id} was not found`);
    if (filter.stepId && !(await this.runs.hasStep(tenantId, id, filter.stepId))) throw stepNotInRun(id, filter.stepId);
    const release = this.slots.take(tenantId);
    if (!release) {
      throw new RunsError(
        'too_many_streams',
        `This tenant already has ${this.config.RUN_STREAMS_PER_TENANT} live streams open here; close one, or read pages (without Accept: text/event-stream)`,
        undefined,
        {
          'retry-after': String(STREAM_RETRY_AFTER_SECONDS),
        },
      );
    }
    let sink: EventSink;
    try {
      sink = open();
    } catch (error) {
      release();
      throw error;
    }
    this.sinks.add(sink);
    let last = after ?? 0;
    let done = false;
    const pump = async () => {
      if (done) return;
      // Read before the events: once the run has ended, everything it recorded is in.
      let ended = TERMINAL_RUN_STATUSES.includes((await this.runs.findById(tenantId, id))?.status ?? 'cancelled');
      let page: RunEventEntity[];
      do {
        page = await this.runs.events(tenantId, id, { ...filter, after: last, limit: STREAM_PAGE });
        for (const event of page) {
          sink.send(toEventResponse(event));
          last = Number(event.id);
          if (event.type === 'run.completed') ended = true;
        }
      } while (page.length === STREAM_PAGE);
      if (ended) {
        done = true;
        sink.end();
      }
    };
    let queue = Promise.resolve();
    const schedule = () => {
      queue = queue.then(pump).catch((error: unknown) => {
        this.logger.warn(`Event stream of run ${id} failed: ${(error as Error).message}`);
        done = true;
        sink.end();
      });
    };
    // Subscribed before the first read, so that nothing appended in between is missed.
    const unsubscribe = this.notifications.subscribe(id, schedule);
    const heartbeat = setInterval(() => {
      sink.comment('keep-alive');
      schedule();
    }, STREAM_HEARTBEAT_MS);
    schedule();
    await sink.closed;
    done = true;
    clearInterval(heartbeat);
    unsubscribe();
    this.sinks.delete(sink);
    release();
  }
}
