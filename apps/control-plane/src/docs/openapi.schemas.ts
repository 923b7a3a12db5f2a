import { ApiQuery } from '@nestjs/swagger';
import type { ReferenceObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { z } from 'zod';
import { ISOLATION_MODES } from '@kryonix/domain';
import { migrationBody } from '../migrations/migration.dto';
import { addServerBody } from '../servers/server.dto';
import { backupTenantBody, cloneBody, restoreBody } from '../backups/backup.dto';
import { changeModulesBody, createTenantBody, listTenantsQuery, moveTenantBody, rateLimitBody, rotateKeyBody } from '../tenants/tenant.dto';

/**
 * The schemas of the OpenAPI document (/docs-json, docs/openapi/control-plane.json).
 * Request bodies are the zod schemas that validate them; responses are described here,
 * in zod too. Controllers name them by reference (the constants below);
 * componentSchemas() turns them into JSON schemas, with the module names of the catalog.
 */
const dateTime = z.string().meta({ format: 'date-time' });
const isolationMode = z.enum(ISOLATION_MODES as [string, ...string[]]);

const responses = {
  ErrorBody: z.object({ error: z.object({ code: z.string().meta({ example: 'INVALID_INPUT' }), message: z.string() }) }),
  CreatedTenant: z
    .object({
      id: z.string(),
      name: z.string(),
      mode: isolationMode,
      server: z.string().meta({ description: 'The PostgreSQL server it lives on.', example: 'default' }),
      database: z.string().meta({ example: 'kryonix_cliente_siqueiracampos' }),
      schemas: z.array(z.string()),
      role: z.string().meta({ example: 'cliente_siqueiracampos_user' }),
      apiKey: z.string().meta({ example: 'sk_siqueiracampos_0123456789abcdef0123456789abcdef', description: 'Shown once; only its hash is kept.' }),
      url: z.string().meta({ example: 'https://siqueiracampos.localhost' }),
      modules: z.array(z.string()),
      durationMs: z.number(),
    })
    .partial(),
  Tenant: z
    .object({
      id: z.string(),
      name: z.string(),
      databaseName: z.string(),
      subdomain: z.string(),
      modules: z.array(z.string()),
      mode: isolationMode,
      status: listTenantsQuery.shape.status.unwrap(),
      roleName: z.string(),
      createdAt: dateTime,
      updatedAt: dateTime,
      suspendedAt: dateTime.nullable(),
      deletedAt: dateTime.nullable(),
      purgeAfter: dateTime.nullable(),
      serverName: z.string().meta({ description: 'The PostgreSQL server it lives on.', example: 'default' }),
    })
    .partial(),
  Server: z
    .object({
      name: z.string(),
      state: z.enum(['active', 'cordoned', 'draining']),
      address: z.string().meta({ description: 'host:port of its admin URL (never the URL: it holds a password).', example: '10.0.0.12:5432' }),
      hasReplicationUrl: z.boolean(),
      maxTenants: z.number().int().nullable(),
      maxStorageBytes: z.number().int().nullable(),
      tags: z.record(z.string(), z.string()),
      moves: z.boolean(),
      pgVersionNum: z.number().int().nullable().meta({ example: 170006 }),
      tenants: z.number().int(),
      reachable: z.boolean(),
      storageBytes: z.number().int().nullable(),
      connections: z.number().int().nullable(),
      error: z.string().nullable(),
      lastSeenAt: dateTime.nullable(),
      lastError: z.string().nullable(),
      createdAt: dateTime,
      updatedAt: dateTime,
    })
    .partial(),
  Job: z
    .object({
      id: z.string().meta({ format: 'uuid' }),
      kind: z.string().meta({ example: 'create_tenant' }),
      tenantId: z.string().nullable(),
      status: z.enum(['queued', 'running', 'succeeded', 'failed']),
      attempts: z.number().int(),
      maxAttempts: z.number().int(),
      error: z.string().nullable(),
      result: z.looseObject({}).nullable().meta({ description: 'For a finished create: the created tenant; its apiKey appears on the first read only.' }),
      createdAt: dateTime,
      startedAt: dateTime.nullable(),
      finishedAt: dateTime.nullable(),
    })
    .partial(),
  Backup: z
    .object({
      id: z.string().meta({ description: 'The file name without `.kxbackup`: how the API names a backup.', example: 'siqueiracampos-20261201T030000Z' }),
      file: z.string().meta({ example: 'siqueiracampos-20261201T030000Z.kxbackup' }),
      status: z.enum(['ok', 'damaged', 'not_backup', 'partial']).meta({ description: 'ok: its header reads; damaged: named as a backup, header unreadable; not_backup: another file; partial: being written, or its writer was stopped.' }),
      tenant: z.string().nullable(),
      takenAt: dateTime.meta({ description: "When its snapshot was taken (else the file's modification time)." }),
      bytes: z.number().int(),
      key: z.enum(['master', 'passphrase']).nullable().meta({ description: "Encrypted under a key from the installation's master key, or from a passphrase." }),
      modules: z.record(z.string(), z.number().int()).nullable().meta({ example: { crm: 3, whatsapp: 1 } }),
      trigger: z.enum(['manual', 'schedule']).nullable().meta({ description: 'schedule: made by KRYONIX_BACKUP_SCHEDULE, pruned to KRYONIX_BACKUP_KEEP; manual: never pruned.' }),
      scheduledFor: dateTime.nullable(),
      problem: z.string().nullable(),
    })
    .partial(),
  StatusChange: z.object({ id: z.string(), status: z.string() }).partial(),
  UploadedBackup: z
    .object({
      backupId: z.string().meta({ description: 'Restore it with POST /v1/restores {"backup": backupId}.', example: 'siqueiracampos-20260101T020000Z' }),
      bytes: z.number().int(),
      sha256: z.string().meta({ description: "The file's SHA-256 (hex)." }),
      tenant: z.string().meta({ description: 'The tenant the backup was taken of.' }),
      createdAt: dateTime,
      encryption: z.enum(['master-key', 'passphrase']),
      existing: z.boolean().meta({ description: 'The same file was there already: nothing new was kept.' }),
    })
    .partial(),
  TenantConnection: z
    .object({
      id: z.string(),
      mode: isolationMode,
      host: z.string().meta({ example: '127.0.0.1' }),
      port: z.number().int().meta({ example: 5432 }),
      database: z.string().meta({ example: 'kryonix_cliente_siqueiracampos' }),
      user: z.string().meta({ example: 'cliente_siqueiracampos_user' }),
      password: z.string().meta({ description: 'The tenant role’s password, decrypted: a secret, shown on purpose.' }),
      schemas: z.array(z.string()),
      url: z.string().meta({ example: 'postgresql://cliente_siqueiracampos_user:…@127.0.0.1:5432/kryonix_cliente_siqueiracampos?options=-c%20search_path%3Dcrm', description: 'A libpq connection URI with the password; it changes if the tenant moves to another server.' }),
    })
    .partial(),
};

const requests = {
  CreateTenantRequest: createTenantBody,
  ModulesRequest: changeModulesBody,
  MoveRequest: moveTenantBody,
  RotateKeyRequest: rotateKeyBody,
  RateLimitRequest: rateLimitBody,
  MigrationRequest: migrationBody,
  AddServerRequest: addServerBody,
  BackupRequest: backupTenantBody,
  RestoreRequest: restoreBody,
  CloneRequest: cloneBody,
};

const registry = z.registry<{ id: string }>();
for (const [id, schema] of Object.entries({ ...responses, ...requests })) registry.add(schema, { id });
registry.add(z.object({ items: z.array(responses.Server) }).partial(), { id: 'ServerList' });
registry.add(z.object({ items: z.array(responses.Backup) }).partial(), { id: 'BackupList' });
registry.add(
  z.object({ items: z.array(responses.Tenant), nextCursor: z.string().nullable().meta({ description: 'Pass as ?cursor= for the next page.' }) }).partial(),
  { id: 'TenantPage' },
);

type SchemaName = keyof typeof responses | keyof typeof requests | 'TenantPage' | 'ServerList' | 'BackupList';
const ref = (name: SchemaName): ReferenceObject => ({ $ref: `#/components/schemas/${name}` });

export const ErrorBody = ref('ErrorBody');
export const CreatedTenant = ref('CreatedTenant');
export const Tenant = ref('Tenant');
export const TenantPage = ref('TenantPage');
export const Job = ref('Job');
export const StatusChange = ref('StatusChange');
export const TenantConnection = ref('TenantConnection');
export const Server = ref('Server');
export const ServerList = ref('ServerList');
export const BackupList = ref('BackupList');
export const AddServerRequest = ref('AddServerRequest');
export const CreateTenantRequest = ref('CreateTenantRequest');
export const ModulesRequest = ref('ModulesRequest');
export const MoveRequest = ref('MoveRequest');
export const RotateKeyRequest = ref('RotateKeyRequest');
export const RateLimitRequest = ref('RateLimitRequest');
export const MigrationRequest = ref('MigrationRequest');
export const BackupRequest = ref('BackupRequest');
export const RestoreRequest = ref('RestoreRequest');
export const CloneRequest = ref('CloneRequest');
export const UploadedBackup = ref('UploadedBackup');

/** OpenAPI 3.0 as zod writes it; `$id` is JSON Schema's, not OpenAPI's. Request bodies as sent (defaults make a field optional). */
function toOpenApi(): Record<string, SchemaObject> {
  const { schemas } = z.toJSONSchema(registry, { target: 'openapi-3.0', io: 'input', uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, { $id: _id, ...schema }]) => [id, schema as SchemaObject]));
}

/** components.schemas of the document; the module fields list the modules of the catalog. */
export function componentSchemas(moduleNames: readonly string[]): Record<string, SchemaObject> {
  const schemas = toOpenApi();
  for (const name of ['CreateTenantRequest', 'ModulesRequest'] as const) {
    const modules = schemas[name]?.properties?.modules as SchemaObject | undefined;
    if (!modules?.items) throw new Error(`${name} has no modules list`);
    modules.items = { ...(modules.items as SchemaObject), enum: [...moduleNames] };
  }
  return Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** One @ApiQuery per field of a zod query schema (the one that parses the query). */
export function queryParameters(schema: z.ZodObject): MethodDecorator[] {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as SchemaObject;
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => ApiQuery({ name, required: required.has(name), schema: property as SchemaObject }));
}
