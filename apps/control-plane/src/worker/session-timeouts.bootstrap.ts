import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DatabaseConnector } from '@kryonix/platform';
import { ApplySessionTimeoutsCommand } from '@kryonix/tenants';
import { reportPassFailure } from './worker-errors';

/**
 * When the control plane starts, tenant roles made before the session timeouts existed or
 * changed get the configured ones (in the background: serving does not wait for it).
 */
@Injectable()
export class SessionTimeoutsBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('roles');
  /** The pass started at bootstrap (tests wait on it). */
  done: Promise<void> = Promise.resolve();

  constructor(
    private readonly commands: CommandBus,
    private readonly connector: DatabaseConnector,
  ) {}

  onApplicationBootstrap(): void {
    this.done = this.commands.execute(new ApplySessionTimeoutsCommand()).then(
      (roles) => {
        if (roles.length) this.logger.log({ roles: roles.length }, 'session timeouts set on tenant roles made with other values');
      },
      (error: unknown) => reportPassFailure(this.logger, this.connector, error, 'could not set the session timeouts of tenant roles'),
    );
  }
}
