import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { QueryBus } from '@nestjs/cqrs';
import { AuditedCommands, PlanRebalanceQuery, SubmitFleetJobCommand } from '@kryonix/tenants';
import { Job } from '../docs/openapi.schemas';

/** `kryonix rebalance` over HTTP: the plan (`--dry-run`), and carrying it out (`--yes`). */
@ApiTags('servers')
@ApiBearerAuth()
@Controller('v1/rebalance')
export class RebalanceController {
  constructor(
    private readonly queries: QueryBus,
    private readonly commands: AuditedCommands,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The moves that would bring every active server within 10% of its share of tenants (relative to its limit), then of storage' })
  plan() {
    return this.queries.execute(new PlanRebalanceQuery());
  }

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Plan and carry the moves out (body { concurrency? }, 1-16, default 1), as a durable job',
    description:
      'Queued (202; a rebalance already queued or running is that job); poll the Location (/v1/jobs/:id). The plan is made when the job runs. The job\'s result: { moved: [{ tenant, from, to, why, durationMs }], failed: [{ tenant, from, to, why, error }] }. A control plane killed meanwhile: the next worker finishes or rolls back the moves under way, then plans again.',
  })
  @ApiResponse({ status: 202, schema: Job, description: 'Queued; poll the Location (/v1/jobs/:id).' })
  async apply(@Body() body: unknown, @Res({ passthrough: true }) reply: { header(name: string, value: string): unknown }) {
    const concurrency = body && typeof body === 'object' && 'concurrency' in body ? (body as { concurrency: unknown }).concurrency : 1;
    const job = await this.commands.execute(new SubmitFleetJobCommand({ kind: 'rebalance', concurrency }));
    reply.header('location', `/v1/jobs/${job.id}`);
    return job;
  }
}
