import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { AtomicIdempotency, Idempotency, type IdempotencyClaim } from '../common/idempotency/idempotency-claim.js';
import { Fails, Responds } from '../common/openapi/responds.decorator.js';
import { uuidParam, ValidBody, ValidParam, ValidQuery } from '../common/validation/zod.js';
import { pipelineNameParam } from '../pipelines/dto/pipelines.dto.js';
import {
  ApprovalBody,
  ApprovalDelivered,
  RetryRunBody,
  RetryRunResponse,
  RunCancelled,
  RunEventPage,
  RunEventsQuery,
  RunListQuery,
  RunLogsQuery,
  RunPage,
  RunStarted,
  RunView,
  StartRunBody,
  stepIdParam,
} from './dto/runs.dto.js';
import { RunEventStreams, type EventSink } from './run-event-streams.js';
import { logFilter, RunsService } from './runs.service.js';

/** With `Accept: text/event-stream`: `id`, `event` (the event's type) and `data` (the event as JSON) per event. */
const sseStream = z.string().describe('Server-Sent Events, one per run event, until the run ends; resumable with `Last-Event-ID`');

@ApiTags('runs')
@Controller('v1')
export class RunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly streams: RunEventStreams,
  ) {}

  @ApiOperation({ summary: 'Start a run of a pipeline' })
  @Responds(202, RunStarted)
  @Fails(422, '`invalid_inputs`: the inputs do not match the pipeline inputs; `errors` names each')
  @Fails(503, '`engine_unavailable`: the workflow engine is not reachable; the run was not started')
  @Post('pipelines/:name/runs')
  @Roles('operator')
  @HttpCode(202)
  @AtomicIdempotency()
  start(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', pipelineNameParam) name: string,
    @ValidBody(StartRunBody) body: StartRunBody,
    @Idempotency() idempotency?: IdempotencyClaim,
  ) {
    return this.runs.start(principal, name, body, idempotency);
  }

  @ApiOperation({ summary: 'List runs, newest first' })
  @Responds(200, RunPage)
  @Get('runs')
  @Roles('viewer')
  list(@CurrentPrincipal() principal: Principal, @ValidQuery(RunListQuery) query: RunListQuery) {
    return this.runs.list(principal, query);
  }

  @ApiOperation({ summary: 'Get a run with its steps, timeline and graph' })
  @Responds(200, RunView)
  @Get('runs/:id')
  @Roles('viewer')
  get(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.runs.get(principal, id);
  }

  @ApiOperation({ summary: 'Cancel a run' })
  @Responds(202, RunCancelled)
  @Fails(409, '`run_finished`: the run already ended')
  @Fails(503, '`engine_unavailable`: the workflow engine is not reachable')
  @Post('runs/:id/cancel')
  @Roles('operator')
  @HttpCode(202)
  cancel(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.runs.cancel(principal, id);
  }

  @Post('runs/:id/retry')
  @Roles('operator')
  @HttpCode(202)
  @ApiOperation({ summary: 'Retry a finished run' })
  @Responds(202, RetryRunResponse)
  @Fails(404, '`run_not_found`; `version_not_found`: `version` names no version of the pipeline')
  @Fails(409, '`run_not_finished`: the run is still going; `nothing_to_retry`: it succeeded and `fromFailed` was asked')
  @Fails(422, "`invalid_inputs`: the run's inputs do not match the inputs of the version asked for")
  @Fails(503, '`engine_unavailable`: the workflow engine is not reachable; the run was not started')
  @AtomicIdempotency()
  retry(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', uuidParam) id: string,
    @ValidBody(RetryRunBody) body: RetryRunBody,
    @Idempotency() idempotency?: IdempotencyClaim,
  ) {
    return this.runs.retry(principal, id, body, idempotency);
  }

  /** Approve or reject a waiting approval step; who may is set per step (`approval.roles`). */
  @Post('runs/:id/approvals/:stepId')
  @Roles('viewer')
  @HttpCode(202)
  @ApiOperation({ summary: 'Approve or reject a waiting approval step' })
  @Responds(202, ApprovalDelivered)
  @Fails(
    409,
    '`decision_already_made`: the step was decided first by someone else; `decision` is the one that counts (`{ approve, by, comment, decidedAt }`). `step_not_waiting`: the step is not waiting for a decision.',
  )
  decide(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', uuidParam) id: string,
    @ValidParam('stepId', stepIdParam) stepId: string,
    @ValidBody(ApprovalBody) body: ApprovalBody,
  ) {
    return this.runs.decide(principal, id, stepId, body);
  }

  /**
   * A JSON page of the run's events, or with `Accept: text/event-stream` a live stream of them
   * (Server-Sent Events, resumable with `Last-Event-ID`) that ends when the run ends.
   */
  @ApiOperation({ summary: "Read or stream a run's events" })
  @Responds(200, RunEventPage)
  @Responds(200, sseStream, { mediaType: 'text/event-stream' })
  @Get('runs/:id/events')
  @Roles('viewer')
  async events(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', uuidParam) id: string,
    @ValidQuery(RunEventsQuery) query: RunEventsQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (!wantsStream(request)) return this.runs.events(principal, id, query);
    await this.streams.stream(principal, id, resumeAfter(request, query.after), () => serverSentEvents(reply));
    return undefined;
  }

  /** A JSON page of the run's log lines, or with `Accept: text/event-stream` a live stream of them, as for events. */
  @ApiOperation({ summary: "Read or stream a run's log lines" })
  @Responds(200, RunEventPage)
  @Responds(200, sseStream, { mediaType: 'text/event-stream' })
  @Fails(404, '`run_not_found`; `step_not_found`: `?step=` names no step of the run')
  @Get('runs/:id/logs')
  @Roles('viewer')
  async logs(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', uuidParam) id: string,
    @ValidQuery(RunLogsQuery) query: RunLogsQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (!wantsStream(request)) return this.runs.logs(principal, id, query);
    await this.streams.stream(principal, id, resumeAfter(request, query.after), () => serverSentEvents(reply), logFilter(query));
    return undefined;
  }
}

const wantsStream = (request: FastifyRequest) => String(request.headers.accept ?? '').includes('text/event-stream');

/** Where a stream resumes: after `Last-Event-ID` when a client reconnects, else after `?after=`. */
function resumeAfter(request: FastifyRequest, after: number | undefined): number | undefined {
  const lastEventId = Number(request.headers['last-event-id']);
  return Number.isSafeInteger(lastEventId) && lastEventId > 0 ? lastEventId : after;
}

/** Takes the response over for Server-Sent Events: `id`, `event` and `data` per run event. */
function serverSentEvents(reply: FastifyReply): EventSink {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const closed = new Promise<void>((resolve) => raw.once('close', () => resolve()));
  return {
    send: (event) => void raw.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`),
    comment: (text) => void raw.write(`: ${text}\n\n`),
    end: () => void raw.end(),
    closed,
  };
}
