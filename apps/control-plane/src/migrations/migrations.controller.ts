import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuditedCommands, DetectDriftQuery, SubmitMigrationCommand } from '@kryonix/tenants';
import { Job, MigrationRequest } from '../docs/openapi.schemas';
import { parse } from '../tenants/tenant.dto';
import { migrationBody } from './migration.dto';

@ApiTags('migrations')
@ApiBearerAuth()
@Controller('v1')
export class MigrationsController {
  constructor(
    private readonly commands: AuditedCommands,
    private readonly queries: QueryBus,
  ) {}

  /** A fleet migration as a durable job: 202 + /v1/jobs/:id (its result lists failures). */
  @Post('migrations')
  @HttpCode(202)
  @ApiOperation({ summary: 'Migrate every tenant (or some) to the latest module versions, as a durable job' })
  @ApiBody({ required: false, schema: MigrationRequest })
  @ApiResponse({ status: 202, schema: Job })
  async migrate(@Body() body: unknown, @Res({ passthrough: true }) reply: { header(name: string, value: string): unknown }) {
    const job = await this.commands.execute(new SubmitMigrationCommand(parse(migrationBody, body, 'request body')));
    reply.header('location', `/v1/jobs/${job.id}`);
    return job;
  }

  /** Tenants whose catalog differs from what their recorded versions produce. */
  @Get('drift')
  @ApiOperation({ summary: 'Schema drift per tenant (tables, columns, types, indexes, constraints)' })
  @ApiQuery({ name: 'tenant', required: false, isArray: true })
  drift(@Query('tenant') tenant?: string | string[]) {
    return this.queries.execute(new DetectDriftQuery(tenant === undefined ? undefined : Array.isArray(tenant) ? tenant : tenant.split(',')));
  }
}
