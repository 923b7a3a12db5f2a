/**
 * Everything the CLI runs in this process (the CQRS core with NestJS, Kysely, pg,
 * the embedded PostgreSQL), in one place: the build makes it its own file,
 * dist/cli-core.js, loaded only by the commands that need it, so `--help` and
 * commands sent to a control plane start light. Commands import it lazily:
 * `await import('../transport/in-process')`.
 */
export { InProcessTenantService } from './in-process.service';
export { withCore } from './core';
export { BackupTenantCommand, CloneTenantCommand, DetectDriftQuery, ExportTenantCommand, MigrateFleetCommand, RestoreTenantCommand, withAuditOrigin } from '@kryonix/tenants';
export { LocalCertificateAuthority, ensureEmbeddedPostgres, loadConfig, stopEmbeddedPostgres } from '@kryonix/platform';
export { Presets, SingleBar } from 'cli-progress';
