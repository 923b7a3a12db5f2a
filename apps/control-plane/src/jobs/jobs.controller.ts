import { Controller, Get, Param } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { GetJobQuery } from '@kryonix/tenants';

@Controller('v1/jobs')
export class JobsController {
  constructor(private readonly queries: QueryBus) {}

  /** A job's state; a finished create shows its API key on the first read only. */
  @Get(':id')
  show(@Param('id') id: string) {
    return this.queries.execute(new GetJobQuery(id));
  }
}
