import { randomUUID } from 'node:crypto';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { FleetMigrator } from '@kryonix/fleet';
import { JobRepository } from '@kryonix/registry';
import { JobView, toJobView } from '../get-job/get-job.query';
import { JOB_KINDS } from '../jobs';
import { SubmitMigrationCommand } from './submit-migration.command';

@CommandHandler(SubmitMigrationCommand)
export class SubmitMigrationHandler implements ICommandHandler<SubmitMigrationCommand, JobView> {
  constructor(
    private readonly migrator: FleetMigrator,
    private readonly jobs: JobRepository,
  ) {}

  async execute({ request }: SubmitMigrationCommand): Promise<JobView> {
    // Checked now (unknown tenants or modules, edited migration files) rather than in a failed job.
    const plan = await this.migrator.migrate({ ...request, dryRun: true });
    const job = await this.jobs.enqueue({ id: randomUUID(), kind: JOB_KINDS.migrateFleet, payload: { ...request }, maxAttempts: 1 });
    return { ...toJobView(job), result: { planned: plan.planned.length, upToDate: plan.upToDate, target: plan.target } };
  }
}
