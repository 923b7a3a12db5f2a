import { Command } from '@nestjs/cqrs';
import type { ModulesChange } from '@kryonix/provisioning';

/** Sets a tenant's modules to the whole wanted set; removed modules are detached, or dropped with `purge`. */
export class ChangeModulesCommand extends Command<ModulesChange> {
  constructor(
    readonly id: string,
    readonly modules: unknown,
    readonly purge: boolean,
  ) {
    super();
  }
}
