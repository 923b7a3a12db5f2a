import { Controller, Get, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CheckReadinessQuery } from '@kryonix/tenants';

@Controller()
export class HealthController {
  constructor(private readonly queries: QueryBus) {}

  @Get('healthz')
  health() {
    return { status: 'ok' };
  }

  @Get('readyz')
  async ready(@Res({ passthrough: true }) reply: { status(code: number): unknown }) {
    const readiness = await this.queries.execute(new CheckReadinessQuery());
    reply.status(readiness.ready ? 200 : 503);
    return readiness;
  }
}
