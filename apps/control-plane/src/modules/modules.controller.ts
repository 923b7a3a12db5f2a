import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { QueryBus } from '@nestjs/cqrs';
import { ListModulesQuery } from '@kryonix/tenants';

@ApiTags('modules')
@ApiBearerAuth()
@Controller('v1/modules')
export class ModulesController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @ApiOperation({ summary: 'The SQL modules with their versions, dependencies and tables' })
  async list() {
    return { items: await this.queries.execute(new ListModulesQuery()) };
  }
}
