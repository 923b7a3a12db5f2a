import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Job } from '../docs/openapi.schemas';
import { QueryBus } from '@nestjs/cqrs';
import { GetJobQuery } from '@kryonix/tenants';

@ApiTags('jobs')
@ApiBearerAuth()
@Controller('v1/jobs')
export class JobsController {
  constructor(private readonly queries: QueryBus) {}

  /** A job's state; a finished create shows its API key on the first read only. */
  @Get(':id')
  @ApiOperation({ summary: 'A durable job (e.g. an async create): status, attempts, result' })
  @ApiResponse({ status: 200, schema: Job })
  show(@Param('id') id: string) {
    return this.queries.execute(new GetJobQuery(id));
  }
}
