import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { QueryBus } from '@nestjs/cqrs';
import { PlanRebalanceQuery } from '@kryonix/tenants';

/** `kryonix rebalance --dry-run` over HTTP. */
@ApiTags('servers')
@ApiBearerAuth()
@Controller('v1/rebalance')
export class RebalanceController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @ApiOperation({ summary: 'The moves that would bring every active server within 10% of its share of tenants (relative to its limit), then of storage' })
  plan() {
    return this.queries.execute(new PlanRebalanceQuery());
  }
}
