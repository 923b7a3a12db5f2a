import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ListModulesQuery } from '@kryonix/tenants';

@Controller('v1/modules')
export class ModulesController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  async list() {
    return { items: await this.queries.execute(new ListModulesQuery()) };
  }
}
