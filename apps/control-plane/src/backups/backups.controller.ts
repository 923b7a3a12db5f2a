import { Readable } from 'node:stream';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Req, Res, StreamableFile, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { UnsupportedMediaType } from '@kryonix/domain';
import { AuditedCommands, DownloadBackupCommand, SubmitBackupJobCommand, UploadBackupCommand } from '@kryonix/tenants';
import * as S from '../docs/openapi.schemas';
import { parse } from '../tenants/tenant.dto';
import type { Reply } from '../tenants/tenants.controller';
import { AuditedRead } from '../audit/audit.interceptor';
import { backupTenantBody, cloneBody, restoreBody } from './backup.dto';

/** Routes whose body is a stream of bytes (installRequestHygiene hands it over unread). */
export const STREAM_ROUTES = ['POST /v1/backups'];

/** Each status with its description, as the error body (ApiResponse decorators). */
const errors = (...statuses: number[]) => statuses.map((status) => ApiResponse({ status, schema: S.ErrorBody, description: DESCRIPTIONS[status] }));
const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (a backup id that is not one, a bad tenant id, a passphrase too short); the message names what is wrong and what is allowed.',
  401: 'Missing or wrong operator token.',
  404: 'Unknown tenant, server or backup (`BACKUP_NOT_FOUND`).',
  409: 'The new tenant id is taken, or the tenant’s status does not allow it (a replace of a tenant being deleted, provisioning or moving).',
  413: 'The upload is larger than KRYONIX_BACKUP_UPLOAD_MAX (`PAYLOAD_TOO_LARGE`); nothing was kept.',
  415: 'The upload is not `Content-Type: application/octet-stream`.',
  422: 'The backup cannot be read (`BACKUP_UNREADABLE`: another key or passphrase, damaged, cut off, not a backup); nothing was kept or made.',
};
const apply = (...decorators: MethodDecorator[]): MethodDecorator => applyDecorators(...decorators);
const queued = ApiResponse({ status: 202, schema: S.Job, description: 'Queued as a durable job; poll the Location (/v1/jobs/:id).' });

function accepted<T extends { id: string }>(reply: Reply, job: T): T {
  reply.status(202).header('location', `/v1/jobs/${job.id}`);
  return job;
}

/**
 * Backups over HTTP: a backup, a restore and a clone are durable jobs (202, poll
 * /v1/jobs/:id); a backup is named by its id in KRYONIX_BACKUP_DIR, never by a path;
 * files go in (upload) and out (download) as streams, never held whole in memory.
 */
@ApiTags('backups')
@ApiBearerAuth()
@Controller('v1')
export class BackupsController {
  constructor(private readonly commands: AuditedCommands) {}

  @Post('tenants/:id/backups')
  @apply(
    ApiOperation({
      summary: "Back up a tenant (durable job): one snapshot of its rows into KRYONIX_BACKUP_DIR, compressed and encrypted",
      description: "The job's result names the backup (`backupId`, for the download and the restore), its size in bytes, the file's SHA-256 and each table's rows and checksum. The tenant keeps being served.",
    }),
    ApiBody({ required: false, schema: S.BackupRequest }),
    queued,
    ...errors(400, 401, 404),
  )
  async backup(@Param('id') id: string, @Body() body: unknown, @Res({ passthrough: true }) reply: Reply) {
    const { passphrase } = parse(backupTenantBody, body, 'request body');
    return accepted(reply, await this.commands.execute(new SubmitBackupJobCommand({ kind: 'backup_tenant', id, ...(passphrase !== undefined ? { passphrase } : {}) })));
  }

  @Get('backups/:id/download')
  @AuditedRead()
  @apply(
    ApiOperation({ summary: 'Download a backup file (streamed; audited as backup.download)', description: 'The file as `tenant backup` wrote it (encrypted); restore it elsewhere with `kryonix tenant restore <file>` or an upload.' }),
    ApiProduces('application/octet-stream'),
    ApiResponse({ status: 200, description: 'The backup file.', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }),
    ...errors(400, 401, 404),
  )
  async download(@Param('id') id: string, @Req() request: { method: string }, @Res({ passthrough: true }) reply: Reply) {
    const file = await this.commands.execute(new DownloadBackupCommand(id));
    reply.header('cache-control', 'no-store');
    // HEAD: the same headers, and the file is not read (Fastify would read a stream to its end)
    if (request.method === 'HEAD') file.stream.destroy();
    return new StreamableFile(request.method === 'HEAD' ? Readable.from([]) : file.stream, { type: 'application/octet-stream', disposition: `attachment; filename="${file.fileName}"`, length: file.bytes });
  }

  @Post('backups')
  @HttpCode(201)
  @apply(
    ApiOperation({
      summary: 'Upload a backup file (streamed into KRYONIX_BACKUP_DIR), then restore it by its id',
      description:
        'The body is the file (`Content-Type: application/octet-stream`, at most KRYONIX_BACKUP_UPLOAD_MAX). It is read to its end and checked (every chunk authenticated, every table checksum) before it is kept as `<tenant>-<UTC time of the backup>`; a damaged or unreadable file is 422 `BACKUP_UNREADABLE` and nothing is kept. The same file uploaded again answers the same id (`existing: true`).',
    }),
    ApiConsumes('application/octet-stream'),
    ApiHeader({ name: 'X-Kryonix-Passphrase', required: false, description: 'The passphrase of a backup made with one (never logged).' }),
    ApiBody({ schema: { type: 'string', format: 'binary' } }),
    ApiResponse({ status: 201, schema: S.UploadedBackup }),
    ...errors(400, 401, 413, 415, 422),
  )
  upload(@Body() body: unknown, @Headers('x-kryonix-passphrase') passphrase: string | undefined) {
    if (!(body instanceof Readable)) throw new UnsupportedMediaType('Send the backup file as the body, with Content-Type: application/octet-stream.');
    // the request's own stream (Fastify's raw IncomingMessage): its Content-Length, when it gave one
    const length = (body as Readable & { headers?: Record<string, string | undefined> }).headers?.['content-length'];
    const declared = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
    return this.commands.execute(new UploadBackupCommand(body, passphrase, declared));
  }

  @Post('restores')
  @apply(
    ApiOperation({
      summary: 'Restore a backup (durable job) as a new tenant, or over its own tenant (`replace`): named by its id in KRYONIX_BACKUP_DIR, never a path',
      description:
        "Checked now (an unknown or invalid backup id, a wrong key or passphrase, a tenant id taken; with `replace`: another tenant's backup, `as`, a tenant unknown, moving, or neither active nor suspended, another mode or server: 4xx, nothing queued), then queued. The job's result is the tenant with its steps and tables. A new tenant's `apiKey` appears on the first read of the finished job only (as for an async create); a replaced tenant keeps its API keys (no `apiKey`), and `replaced` says where its replaced copy is kept until its purge.",
    }),
    ApiBody({ schema: S.RestoreRequest }),
    queued,
    ...errors(400, 401, 404, 409, 422),
  )
  async restore(@Body() body: unknown, @Res({ passthrough: true }) reply: Reply) {
    const input = parse(restoreBody, body, 'request body');
    return accepted(reply, await this.commands.execute(new SubmitBackupJobCommand({ kind: 'restore_tenant', ...input })));
  }

  @Post('tenants/:id/clone')
  @apply(
    ApiOperation({ summary: "Clone a tenant (durable job): a new tenant with a copy of its rows, its own role and API key; the source keeps being served", description: "The new tenant's `apiKey` appears on the first read of the finished job only." }),
    ApiBody({ schema: S.CloneRequest }),
    queued,
    ...errors(400, 401, 404, 409),
  )
  async clone(@Param('id') source: string, @Body() body: unknown, @Res({ passthrough: true }) reply: Reply) {
    const input = parse(cloneBody, body, 'request body');
    return accepted(reply, await this.commands.execute(new SubmitBackupJobCommand({ kind: 'clone_tenant', source, ...input })));
  }
}
