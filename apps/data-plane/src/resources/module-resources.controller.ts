import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, UseGuards } from '@nestjs/common';
import type { TenantRoute } from '@kryonix/routes';
import { TenantGuard } from '../routing/tenant.guard';
import type { TenantRequest } from '../routing/tenant.guard';
import { ModuleResources } from './module-resources.service';

const route = (req: TenantRequest): TenantRoute => req.tenant!;

/** /api/<module>/<table>[/<id>]: the tables each module's manifest exposes. */
@Controller('api')
@UseGuards(TenantGuard)
export class ModuleResourcesController {
  constructor(private readonly resources: ModuleResources) {}

  @Get(':module/:table')
  list(@Req() req: TenantRequest, @Param('module') module: string, @Param('table') table: string, @Query() query: Record<string, string | string[]>) {
    return this.resources.list(route(req), module, table, query);
  }

  @Get(':module/:table/:id')
  get(@Req() req: TenantRequest, @Param('module') module: string, @Param('table') table: string, @Param('id') id: string) {
    return this.resources.get(route(req), module, table, id);
  }

  @Post(':module/:table')
  @HttpCode(201)
  create(@Req() req: TenantRequest, @Param('module') module: string, @Param('table') table: string, @Body() body: unknown) {
    return this.resources.create(route(req), module, table, body);
  }

  @Patch(':module/:table/:id')
  update(@Req() req: TenantRequest, @Param('module') module: string, @Param('table') table: string, @Param('id') id: string, @Body() body: unknown) {
    return this.resources.update(route(req), module, table, id, body);
  }

  @Delete(':module/:table/:id')
  @HttpCode(204)
  async remove(@Req() req: TenantRequest, @Param('module') module: string, @Param('table') table: string, @Param('id') id: string): Promise<void> {
    await this.resources.remove(route(req), module, table, id);
  }
}
