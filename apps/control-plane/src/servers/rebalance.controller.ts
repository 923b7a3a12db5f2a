import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { QueryBus } from '@nestjs/cqrs';
import { ApplyRebalanceCommand, AuditedCommands, PlanRebalanceQuery } from '@kryonix/tenants';

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
  @HttpCode(200)
  @ApiOperation({ summary: 'Plan now and carry the moves out (body { concurrency? }, 1-16, default 1); runs within the request (not a durable job)' })
  @ApiResponse({ status: 200, description: '{ moved: [{ tenant, from, to, why, durationMs }], failed: [{ tenant, from, to, why, error }] }' })
  apply(@Body() body: unknown) {
    const concurrency = body && typeof body === 'object' && 'concurrency' in body ? (body as { concurrency: unknown }).concurrency : 1;
    return this.commands.execute(new ApplyRebalanceCommand(concurrency));
  }
}
