import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** JSON schemas of the HTTP API, for the OpenAPI document (/docs-json). */
export const ErrorBody: SchemaObject = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string', example: 'INVALID_INPUT' }, message: { type: 'string' } }, required: ['code', 'message'] } },
};

export const CreateTenantRequest: SchemaObject = {
  type: 'object',
  required: ['id', 'name', 'modules'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,38}[a-z0-9]$', example: 'siqueiracampos', description: 'Tenant id and subdomain; reserved names (www, api, admin, app, mail, kryonix, …) are refused.' },
    name: { type: 'string', minLength: 1, maxLength: 255, example: 'Siqueira Campos Imóveis' },
    modules: { type: 'array', items: { type: 'string', enum: ['crm', 'whatsapp', 'agendamento', 'financeiro'] }, example: ['crm', 'whatsapp'] },
    mode: { type: 'string', enum: ['database', 'schema'], default: 'database' },
  },
};

export const CreatedTenant: SchemaObject = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    mode: { type: 'string', enum: ['database', 'schema'] },
    database: { type: 'string', example: 'kryonix_cliente_siqueiracampos' },
    schemas: { type: 'array', items: { type: 'string' } },
    role: { type: 'string', example: 'cliente_siqueiracampos_user' },
    apiKey: { type: 'string', example: 'sk_siqueiracampos_0123456789abcdef0123456789abcdef', description: 'Shown once; only its hash is kept.' },
    url: { type: 'string', example: 'https://siqueiracampos.localhost' },
    modules: { type: 'array', items: { type: 'string' } },
    durationMs: { type: 'number' },
  },
};

export const Tenant: SchemaObject = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    databaseName: { type: 'string' },
    subdomain: { type: 'string' },
    modules: { type: 'array', items: { type: 'string' } },
    mode: { type: 'string', enum: ['database', 'schema'] },
    status: { type: 'string', enum: ['provisioning', 'active', 'suspended', 'deleting'] },
    roleName: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    suspendedAt: { type: 'string', format: 'date-time', nullable: true },
    deletedAt: { type: 'string', format: 'date-time', nullable: true },
    purgeAfter: { type: 'string', format: 'date-time', nullable: true },
  },
};

export const TenantPage: SchemaObject = {
  type: 'object',
  properties: { items: { type: 'array', items: Tenant }, nextCursor: { type: 'string', nullable: true, description: 'Pass as ?cursor= for the next page.' } },
};

export const Job: SchemaObject = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    kind: { type: 'string', example: 'create_tenant' },
    tenantId: { type: 'string', nullable: true },
    status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed'] },
    attempts: { type: 'integer' },
    maxAttempts: { type: 'integer' },
    error: { type: 'string', nullable: true },
    result: { type: 'object', nullable: true, description: 'For a finished create: the created tenant; its apiKey appears on the first read only.' },
    createdAt: { type: 'string', format: 'date-time' },
    startedAt: { type: 'string', format: 'date-time', nullable: true },
    finishedAt: { type: 'string', format: 'date-time', nullable: true },
  },
};

export const StatusChange: SchemaObject = { type: 'object', properties: { id: { type: 'string' }, status: { type: 'string' } } };

export const ModulesRequest: SchemaObject = {
  type: 'object',
  required: ['modules'],
  additionalProperties: false,
  properties: {
    modules: { type: 'array', items: { type: 'string' }, description: 'The whole wanted set.' },
    purge: { type: 'boolean', default: false, description: 'Drop the schemas (and data) of removed modules instead of detaching them.' },
  },
};
