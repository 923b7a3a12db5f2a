import { IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { KryonixError, isErrorCode, ConfigurationError, type ErrorCode } from '@kryonix/domain';
import type { StepEvent } from '@kryonix/provisioning';
import type { BackupResult, CopyProgress, RestoredTenant } from '@kryonix/tenants';
import type { TenantService } from './tenant-service';
import { FileRequestTarget, downloadTo, uploadFrom } from './api-backups';

const NO_TOKEN = '--api needs the operator token: set KRYONIX_OPERATOR_TOKEN or pass --token (there is no $KRYONIX_HOME/operator-token to fall back on).';

/** A line of progress per table, as the in-process commands print it. */
export interface BackupTableLine {
  table: string;
  rows: number;
  durationMs: number;
}
/** A backup job's result (no path of the control plane's machine), and where the download went. */
export type ApiBackupResult = Omit<BackupResult, 'tables'> & { sha256: string; tables: Array<BackupResult['tables'][number] & { durationMs?: number }> };
export type ApiRestoredTenant = RestoredTenant;

/**
 * Sends each command to a running control plane: `--api <url>` / KRYONIX_API_URL, or
 * this machine's local agent over its Unix socket (`unix:/path`). Create and repair
 * stream their steps (NDJSON) when the caller shows them.
 */
/** What a method of TenantService resolves to: the shape the control plane's JSON is read as. */
type Out<K extends keyof TenantService> = ReturnType<TenantService[K]>;
type Row = Record<string, unknown>;
type JobBody = { id: string; status: string; error: string | null; result: Row | null };

export class ApiTenantService implements TenantService {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string | undefined,
    /** Recorded in the audit log as who acted (the local agent: `cli:<user>`). */
    private readonly actor?: string,
  ) {}

  create(input: Parameters<TenantService['create']>[0], onStep?: (e: StepEvent) => void): Out<'create'> {
    return this.call('POST', '/v1/tenants', input, onStep);
  }
  repair(id: string, onStep?: (e: StepEvent) => void): Out<'repair'> {
    return this.call('POST', `/v1/tenants/${encodeURIComponent(id)}/repair`, undefined, onStep);
  }
  async list(filter: { status?: string; module?: string; mode?: string; after?: string; limit?: number }): Out<'list'> {
    const items: Row[] = [];
    let cursor: string | null = filter.after ?? null;
    do {
      const want = filter.limit === undefined ? 500 : Math.min(500, filter.limit - items.length);
      const query: URLSearchParams = new URLSearchParams({
        limit: String(want),
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.module ? { module: filter.module } : {}),
        ...(filter.mode ? { mode: filter.mode } : {}),
        ...(cursor ? { cursor } : {}),
      });
      const page: { items: Row[]; nextCursor: string | null } = await this.call('GET', `/v1/tenants?${query}`);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && (filter.limit === undefined || items.length < filter.limit));
    return items.map(withDates) as unknown as Awaited<Out<'list'>>;
  }
  async show(id: string): Out<'show'> {
    return withDates(await this.call<Row>('GET', `/v1/tenants/${encodeURIComponent(id)}`)) as unknown as Awaited<Out<'show'>>;
  }
  async log(id: string): Out<'log'> {
    return (await this.call<{ items: Row[] }>('GET', `/v1/tenants/${encodeURIComponent(id)}/log`)).items.map(withDates) as unknown as Awaited<Out<'log'>>;
  }
  async modules(): Out<'modules'> {
    return (await this.call<{ items: Awaited<Out<'modules'>> }>('GET', '/v1/modules')).items;
  }
  async listBackups(filter: Parameters<TenantService['listBackups']>[0]): Out<'listBackups'> {
    const query = new URLSearchParams({ ...(filter.tenant === undefined ? {} : { tenant: filter.tenant }), ...(filter.id === undefined ? {} : { id: filter.id }) });
    return (await this.call<{ items: Awaited<Out<'listBackups'>> }>('GET', `/v1/backups${query.size ? `?${query}` : ''}`)).items;
  }
  suspend(id: string): Out<'suspend'> {
    return this.call('POST', `/v1/tenants/${encodeURIComponent(id)}/suspend`);
  }
  resume(id: string): Out<'resume'> {
    return this.call('POST', `/v1/tenants/${encodeURIComponent(id)}/resume`);
  }
  undelete(id: string): Out<'undelete'> {
    return this.call('POST', `/v1/tenants/${encodeURIComponent(id)}/undelete`);
  }
  delete(id: string, purge: boolean): Out<'delete'> {
    return this.call('DELETE', `/v1/tenants/${encodeURIComponent(id)}${purge ? '?purge=true' : ''}`);
  }
  rotateKey(id: string, overlapMs: number): Out<'rotateKey'> {
    return this.call('POST', `/v1/tenants/${encodeURIComponent(id)}/api-keys`, { overlapSeconds: Math.round(overlapMs / 1000) });
  }
  changeModules(id: string, modules: string[], purge: boolean): Out<'changeModules'> {
    return this.call('PUT', `/v1/tenants/${encodeURIComponent(id)}/modules`, { modules, purge });
  }
  setRateLimit(id: string, perMinute: number | null): Out<'setRateLimit'> {
    return this.call('PUT', `/v1/tenants/${encodeURIComponent(id)}/rate-limit`, { perMinute });
  }
  rotateCredentials(id: string): Out<'rotateCredentials'> {
    return this.call('POST', `/v1/tenants/${encodeURIComponent(id)}/credentials`);
  }
  revealConnection(id: string): Out<'revealConnection'> {
    return this.call('POST', `/v1/tenants/${encodeURIComponent(id)}/connection`);
  }
  addServer(input: Parameters<TenantService['addServer']>[0]): Out<'addServer'> {
    return this.call('POST', '/v1/servers', input);
  }
  async listServers(): Out<'listServers'> {
    return (await this.call<{ items: Awaited<Out<'listServers'>> }>('GET', '/v1/servers')).items;
  }
  showServer(name: string): Out<'showServer'> {
    return this.call('GET', `/v1/servers/${encodeURIComponent(name)}`);
  }
  setServerState(name: string, state: 'active' | 'cordoned'): Out<'setServerState'> {
    return this.call('POST', `/v1/servers/${encodeURIComponent(name)}/${state === 'cordoned' ? 'cordon' : 'uncordon'}`);
  }
  removeServer(name: string): Out<'removeServer'> {
    return this.call('DELETE', `/v1/servers/${encodeURIComponent(name)}`);
  }
  /** A drain is a durable job of the control plane: queued, then followed until it is over (a CLI stopped meanwhile leaves it running there). */
  async drainServer(name: string, concurrency: number, onTenant?: Parameters<TenantService['drainServer']>[2]): Out<'drainServer'> {
    const job = await this.finished(await this.call<JobBody>('POST', `/v1/servers/${encodeURIComponent(name)}/drain`, { concurrency }), 'MOVE_FAILED', 'drain');
    const result = job as unknown as Awaited<Out<'drainServer'>>;
    const total = result.moved.length + result.failed.length;
    let done = 0;
    for (const m of result.moved) onTenant?.({ tenant: m.tenant, outcome: 'moved', to: m.to, durationMs: m.durationMs, done: ++done, total });
    for (const f of result.failed) onTenant?.({ tenant: f.tenant, outcome: 'failed', error: f.error, durationMs: 0, done: ++done, total });
    return result;
  }
  /** A rebalance is a durable job of the control plane, followed as a drain is. */
  async applyRebalance(concurrency: number, onMove?: Parameters<TenantService['applyRebalance']>[1]): Out<'applyRebalance'> {
    const result = (await this.finished(await this.call<JobBody>('POST', '/v1/rebalance', { concurrency }), 'MOVE_FAILED', 'rebalance')) as unknown as Awaited<Out<'applyRebalance'>>;
    const total = result.moved.length + result.failed.length;
    let done = 0;
    for (const { durationMs, ...move } of result.moved) onMove?.({ move, outcome: 'moved', durationMs, done: ++done, total });
    for (const { error, ...move } of result.failed) onMove?.({ move, outcome: 'failed', error, durationMs: 0, done: ++done, total });
    return result;
  }
  planRebalance(): Out<'planRebalance'> {
    return this.call('GET', '/v1/rebalance');
  }

  /**
   * A move is a durable job of the control plane: queued, then followed until it is over,
   * its phases and its copy's progress shown as the job's result carries them while it runs
   * (`{ steps, progress }`). A CLI stopped meanwhile leaves the move running there.
   */
  async move(input: Parameters<TenantService['move']>[0], onPhase?: (e: StepEvent) => void, onProgress?: (p: CopyProgress) => void): Out<'move'> {
    const { id, ...body } = input;
    const job = await this.call<JobBody>('POST', `/v1/tenants/${encodeURIComponent(id)}/move`, body);
    let shown: StepEvent[] = [];
    let lastProgress: string | undefined;
    const result = (await this.finished(job, 'MOVE_FAILED', 'move', (running) => {
      const { steps, progress } = running as { steps?: StepEvent[]; progress?: CopyProgress };
      if (!Array.isArray(steps)) return;
      if (steps.length < shown.length) shown = []; // the job's next attempt began again
      for (const step of steps.slice(shown.length)) onPhase?.(step);
      shown = steps;
      const seen = progress && JSON.stringify(progress);
      if (progress && seen !== lastProgress) onProgress?.(progress);
      lastProgress = seen;
    })) as unknown as Awaited<Out<'move'>>;
    // the phases that ended after the last look (all of them, for a job over before it)
    const done = shown.filter((s) => s.status === 'sucesso').length;
    for (const p of result.phases.slice(done)) onPhase?.({ step: p.phase, status: 'sucesso', durationMs: p.durationMs });
    return result;
  }

  /**
   * A backup is a durable job of the control plane (into its KRYONIX_BACKUP_DIR), then the
   * file is downloaded to `out` (0600) and checked against the SHA-256 the job gave.
   */
  async backup(input: { id: string; passphrase?: string }, out: (backupId: string) => string, onTable?: (p: BackupTableLine) => void): Promise<ApiBackupResult> {
    const { id, ...body } = input;
    const job = await this.call<JobBody>('POST', `/v1/tenants/${encodeURIComponent(id)}/backups`, body);
    const result = (await this.finished(job, 'PROVISIONING_FAILED', 'backup')) as unknown as Omit<ApiBackupResult, 'file'>;
    for (const t of result.tables) onTable?.({ table: t.table, rows: t.rows, durationMs: t.durationMs ?? 0 });
    const { file } = await downloadTo(this.fileTarget(), `/v1/backups/${encodeURIComponent(result.backupId)}/download`, out(result.backupId), result.sha256);
    return { ...result, file };
  }

  /** A restore of a local file (as a new tenant, or over its own with `replace`): uploaded into the control plane's KRYONIX_BACKUP_DIR (checked whole there), then restored by its id as a durable job. */
  async restore(input: { file: string; as?: string; replace?: string; mode?: string; server?: string; passphrase?: string }, onStep?: (e: StepEvent) => void, onTable?: (p: BackupTableLine) => void): Promise<ApiRestoredTenant> {
    const { file, ...options } = input;
    const uploaded = await uploadFrom<{ backupId: string }>(this.fileTarget(), '/v1/backups', file, input.passphrase === undefined ? {} : { 'x-kryonix-passphrase': input.passphrase });
    const job = await this.call<JobBody>('POST', '/v1/restores', { backup: uploaded.backupId, ...options });
    return this.restored(await this.finished(job, 'PROVISIONING_FAILED', 'restore'), onStep, onTable);
  }

  async clone(input: { source: string; id: string; name?: string; mode?: string; server?: string }, onStep?: (e: StepEvent) => void, onTable?: (p: BackupTableLine) => void): Promise<ApiRestoredTenant> {
    const { source, ...body } = input;
    const job = await this.call<JobBody>('POST', `/v1/tenants/${encodeURIComponent(source)}/clone`, body);
    return this.restored(await this.finished(job, 'PROVISIONING_FAILED', 'clone'), onStep, onTable);
  }

  /** Its steps and tables shown from the job's result; the API key is in it (the job's first read after it finished). */
  private restored(result: Row, onStep?: (e: StepEvent) => void, onTable?: (p: BackupTableLine) => void): ApiRestoredTenant {
    const { steps, tableProgress, ...tenant } = result as unknown as ApiRestoredTenant & { steps?: StepEvent[]; tableProgress?: BackupTableLine[] };
    for (const step of steps ?? []) onStep?.(step);
    for (const t of tableProgress ?? []) onTable?.(t);
    return tenant;
  }

  /**
   * Follows a job until it is over (a CLI stopped meanwhile leaves it running there); its
   * result, or its error as `code`. `onRunning` sees the result a running job has written so far.
   */
  private async finished(job: JobBody, code: ErrorCode, what: string, onRunning?: (result: Row) => void): Promise<Row> {
    while (job.status === 'queued' || job.status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, 250));
      job = await this.call<JobBody>('GET', `/v1/jobs/${encodeURIComponent(job.id)}`);
      if (job.status === 'running' && job.result) onRunning?.(job.result);
    }
    if (job.status !== 'succeeded' || !job.result) throw new KryonixError(code, job.error ?? `The ${what} job ${job.id} ended ${job.status}.`);
    return job.result;
  }

  private fileTarget(): FileRequestTarget {
    if (!this.token) throw new ConfigurationError(NO_TOKEN);
    return { baseUrl: this.baseUrl, headers: { authorization: `Bearer ${this.token}`, ...(this.actor ? { 'x-kryonix-actor': this.actor } : {}) } };
  }

  /** One request; its JSON body is taken to be `T` (the control plane's answer to this route). */
  private async call<T>(method: string, path: string, body?: unknown, onStep?: (e: StepEvent) => void): Promise<T> {
    if (!this.token) throw new ConfigurationError(NO_TOKEN);
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (this.actor) headers['x-kryonix-actor'] = this.actor;
    if (onStep) headers.accept = 'application/x-ndjson';
    let res: HttpResponse;
    try {
      res = await request(this.baseUrl, method, path, headers, body, onStep && ((line) => onNdjsonLine(line, onStep)));
    } catch (error) {
      throw new ControlPlaneUnreachable(this.baseUrl, error as NodeJS.ErrnoException);
    }
    const parsed = res.text ? safeJson(res.text) : undefined;
    if (res.status >= 400 || res.streamError) {
      const err = res.streamError ?? (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new KryonixError(isErrorCode(err?.code) ? err.code : 'INTERNAL', err?.message ?? `The control plane answered ${res.status}.`);
    }
    return (res.streamResult ?? parsed) as T;
  }
}

/** The control plane could not be reached: nothing was sent, so the caller may run the command itself. */
export class ControlPlaneUnreachable extends KryonixError {
  constructor(
    readonly baseUrl: string,
    override readonly cause: NodeJS.ErrnoException,
  ) {
    super('CONFIGURATION', `Cannot reach the control plane at ${baseUrl.replace(/^unix:/, 'unix socket ')}: ${cause.code ?? cause.message}`);
  }
  /** The connection itself failed (refused, no socket): the request never left. */
  get nothingSent(): boolean {
    return this.cause.code === 'ECONNREFUSED' || this.cause.code === 'ENOENT';
  }
}

interface HttpResponse {
  status: number;
  text: string;
  /** With `Accept: application/x-ndjson`: the final `result` line, or the `error` line. */
  streamResult?: unknown;
  streamError?: { code?: string; message?: string };
}

/**
 * One HTTP request with node:http (it loads far faster than fetch, which matters to a
 * short CLI process). `baseUrl` is `http(s)://host:port` or `unix:/path/to.sock`.
 * With `onLine`, the body is read as NDJSON while it arrives.
 */
function request(baseUrl: string, method: string, path: string, headers: Record<string, string>, body: unknown, onLine?: (line: unknown) => { result?: unknown; error?: HttpResponse['streamError'] } | void): Promise<HttpResponse> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(payload.length) });
  const target = baseUrl.startsWith('unix:') ? { socketPath: baseUrl.slice(5), path } : { url: new URL(path, baseUrl) };
  return new Promise((resolve, reject) => {
    const callback = (res: IncomingMessage) => {
      res.setEncoding('utf8');
      const out: HttpResponse = { status: res.statusCode ?? 0, text: '' };
      const streaming = Boolean(onLine) && /application\/x-ndjson/.test(String(res.headers['content-type']));
      let buffered = '';
      res.on('data', (chunk: string) => {
        if (!streaming) return void (out.text += chunk);
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (!line) continue;
          const seen = onLine!(safeJson(line));
          if (seen?.result !== undefined) out.streamResult = seen.result;
          if (seen?.error) out.streamError = seen.error;
        }
      });
      res.on('end', () => {
        if (streaming && out.streamResult === undefined && !out.streamError) out.streamError = { code: 'INTERNAL', message: 'The control plane ended the stream before the result (it may have stopped).' };
        resolve(out);
      });
      res.on('error', reject);
    };
    const req =
      'socketPath' in target
        ? httpRequest({ socketPath: target.socketPath, path: target.path, method, headers }, callback)
        : (target.url.protocol === 'https:' ? httpsRequest : httpRequest)(target.url, { method, headers }, callback);
    req.on('error', reject);
    req.end(payload);
  });
}

/** One line of a streamed command: a step (shown while it runs), then the result or the error. */
function onNdjsonLine(line: unknown, onStep: (e: StepEvent) => void): { result?: unknown; error?: HttpResponse['streamError'] } | void {
  const event = line as { type?: string; step?: StepEvent; result?: unknown; error?: HttpResponse['streamError'] } | undefined;
  if (event?.type === 'step' && event.step) onStep(event.step);
  else if (event?.type === 'result') return { result: event.result };
  else if (event?.type === 'error') return { error: event.error ?? {} };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** JSON carries dates as strings; the printers expect Date objects. */
function withDates<T extends Row>(row: T): T {
  const out: Row = { ...row };
  for (const key of ['createdAt', 'updatedAt', 'suspendedAt', 'deletedAt', 'purgeAfter', 'appliedAt', 'revokedAt']) {
    const value = out[key];
    if (typeof value === 'string') out[key] = new Date(value);
  }
  return out as T;
}
