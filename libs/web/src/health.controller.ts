import { Controller, Get, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CheckReadinessQuery } from '@kryonix/routes';
import { Public } from './public.decorator';

/** Liveness and readiness of either server; public (no operator token). */
@Controller()
@Public()
export class HealthController {
  constructor(private readonly queries: QueryBus) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  health() {
    return { status: 'ok' };
  }

  /** Readiness: the registry is reachable and its migrations are applied. */
  @Get('readyz')
  async ready(@Res({ passthrough: true }) reply: { status(code: number): unknown }) {
    const readiness = await this.queries.execute(new CheckReadinessQuery());
    reply.status(readiness.ready ? 200 : 503);
    return readiness;
  }
}
