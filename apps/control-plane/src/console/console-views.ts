import Handlebars from 'handlebars';
import { formatBytes } from '@kryonix/domain';

/**
 * The console's pages: Handlebars templates rendered on the server (escaped by default),
 * one layout around them. Every form that changes something carries the session's CSRF
 * token (`{{> csrf}}`); no page ever holds the operator token.
 */
const hbs = Handlebars.create();

hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerHelper('bytes', (value: unknown) => formatSize(typeof value === 'number' ? value : null));
hbs.registerHelper('percent', (used: unknown, quota: unknown) => (typeof used === 'number' && typeof quota === 'number' && quota > 0 ? Math.min(100, Math.round((used / quota) * 100)) : 0));
hbs.registerHelper('date', (value: unknown) => (value instanceof Date ? value.toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : value ? String(value) : '—'));
hbs.registerHelper('join', (value: unknown) => (Array.isArray(value) ? value.join(', ') : ''));
hbs.registerHelper('includes', (list: unknown, item: unknown) => Array.isArray(list) && list.includes(item));

/** A size as pages show it; `—` when it is not known (its server did not answer). */
export function formatSize(bytes: number | null): string {
  return bytes === null ? '—' : formatBytes(bytes);
}

hbs.registerPartial('csrf', '<input type="hidden" name="_csrf" value="{{@root.csrf}}">');
hbs.registerPartial(
  'fieldError',
  '{{#if (lookup @root.errors name)}}<p class="field-error" id="{{name}}-error">{{lookup @root.errors name}}</p>{{/if}}',
);

const LAYOUT = hbs.compile(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · Kryonix console</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body>
<a class="sr-only" href="#main">Skip to content</a>
<header class="top">
  <strong>Kryonix console</strong>
  {{#if signedIn}}
  <nav aria-label="Console">
    <ul>
      <li><a href="/console/tenants"{{#if (eq nav "tenants")}} aria-current="page"{{/if}}>Tenants</a></li>
      <li><a href="/console/tenants/new"{{#if (eq nav "new")}} aria-current="page"{{/if}}>New tenant</a></li>
      <li><a href="/console/fleet"{{#if (eq nav "fleet")}} aria-current="page"{{/if}}>Fleet</a></li>
    </ul>
  </nav>
  <form method="post" action="/console/sign-out">{{> csrf}}<button type="submit" class="secondary">Sign out</button></form>
  {{/if}}
</header>
<main id="main">
{{{body}}}
</main>
</body>
</html>`);

const PAGES = {
  signIn: `<h1>Sign in</h1>
{{#if signedOut}}<p class="panel notice" role="status">You are signed out.</p>{{/if}}
{{#if error}}<p class="panel alert" role="alert">{{error}}</p>{{/if}}
<form method="post" action="/console/sign-in" class="panel">
  <input type="hidden" name="_csrf" value="{{signInCsrf}}">
  <div class="field">
    <label for="token">Operator token</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus size="40">
    <p class="muted">The value of KRYONIX_OPERATOR_TOKEN (with <code>kryonix up</code>: the file <code>$KRYONIX_HOME/operator-token</code>).</p>
  </div>
  <button type="submit">Sign in</button>
</form>`,

  tenants: `<h1>Tenants</h1>
<form method="get" action="/console/tenants" class="panel filters" role="search" aria-label="Find tenants">
  <div><label for="q">Id or name</label><input id="q" name="q" type="search" value="{{filter.q}}" maxlength="100"></div>
  <div><label for="status">Status</label><select id="status" name="status"><option value="">any</option>{{#each statuses}}<option{{#if (eq this ../filter.status)}} selected{{/if}}>{{this}}</option>{{/each}}</select></div>
  <div><label for="mode">Mode</label><select id="mode" name="mode"><option value="">any</option>{{#each modes}}<option{{#if (eq this ../filter.mode)}} selected{{/if}}>{{this}}</option>{{/each}}</select></div>
  <div><label for="module">Module</label><select id="module" name="module"><option value="">any</option>{{#each modules}}<option{{#if (eq this ../filter.module)}} selected{{/if}}>{{this}}</option>{{/each}}</select></div>
  <div><label for="server">Server</label><select id="server" name="server"><option value="">any</option>{{#each servers}}<option{{#if (eq this ../filter.server)}} selected{{/if}}>{{this}}</option>{{/each}}</select></div>
  <div><button type="submit">Filter</button> <a class="button secondary" href="/console/tenants">Clear</a></div>
</form>
{{#if error}}<p class="panel alert" role="alert">{{error}}</p>{{/if}}
<div class="table-wrap" role="region" aria-label="Tenants" tabindex="0">
<table class="cards">
  <caption class="sr-only">Tenants{{#if filter.after}} after {{filter.after}}{{/if}}</caption>
  <thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Mode</th><th scope="col">Server</th><th scope="col">Modules</th><th scope="col">Storage</th><th scope="col">Connections</th><th scope="col">Created</th></tr></thead>
  <tbody>
  {{#each page.items}}
    <tr>
      <td data-label="Id"><a href="/console/tenants/{{id}}">{{id}}</a></td>
      <td data-label="Name">{{name}}</td>
      <td data-label="Status"><span class="status status-{{status}}">{{status}}</span></td>
      <td data-label="Mode">{{mode}}</td>
      <td data-label="Server">{{serverName}}</td>
      <td data-label="Modules">{{join modules}}</td>
      <td data-label="Storage"><span class="bar{{#if (eq (percent storageBytes quotaBytes) 100)}} full{{/if}}" aria-hidden="true"><span style="width: {{percent storageBytes quotaBytes}}%"></span></span> {{bytes storageBytes}} of {{bytes quotaBytes}}</td>
      <td data-label="Connections">{{#if (eq connections null)}}—{{else}}{{connections}}{{/if}}</td>
      <td data-label="Created">{{date createdAt}}</td>
    </tr>
  {{else}}
    <tr><td colspan="9">No tenant matches.</td></tr>
  {{/each}}
  </tbody>
</table>
</div>
<nav aria-label="Pages" class="actions" style="margin-top: 1rem">
  {{#if filter.after}}<a class="button secondary" href="{{firstHref}}">First page</a>{{/if}}
  {{#if nextHref}}<a class="button" href="{{nextHref}}" rel="next">Next page</a>{{/if}}
</nav>`,

  tenant: `<h1>Tenant {{tenant.id}}</h1>
{{#if notice}}<p class="panel notice" role="status">{{notice}}</p>{{/if}}
<section class="panel" aria-labelledby="identity">
  <h2 id="identity">Identity</h2>
  <dl class="facts">
    <dt>Name</dt><dd>{{tenant.name}}</dd>
    <dt>Status</dt><dd><span class="status status-{{tenant.status}}" id="tenant-status">{{tenant.status}}</span></dd>
    <dt>URL</dt><dd>{{tenant.url}}</dd>
    <dt>Mode</dt><dd>{{tenant.mode}}</dd>
    <dt>Server</dt><dd>{{tenant.serverName}}</dd>
    <dt>Database</dt><dd>{{tenant.databaseName}}</dd>
    <dt>Created</dt><dd>{{date tenant.createdAt}}</dd>
  </dl>
</section>
<section class="panel" aria-labelledby="actions-title">
  <h2 id="actions-title">Actions</h2>
  <div class="actions">
    {{#if (eq tenant.status "active")}}<a class="button" href="/console/tenants/{{tenant.id}}/suspend">Suspend…</a>{{/if}}
    {{#if (eq tenant.status "suspended")}}<a class="button" href="/console/tenants/{{tenant.id}}/resume">Resume…</a>{{/if}}
    <a class="button" href="/console/tenants/{{tenant.id}}/rotate-key">Rotate API key…</a>
    <a class="button" href="/console/tenants/{{tenant.id}}/modules">Change modules…</a>
    <a class="button danger" href="/console/tenants/{{tenant.id}}/delete">Delete…</a>
  </div>
</section>
<section class="panel" aria-labelledby="gauges-title" data-gauges="/console/tenants/{{tenant.id}}/gauges">
  <h2 id="gauges-title">Now</h2>
  <div class="gauges">
    <p>Connections: <strong id="gauge-connections">{{gauges.connections}}</strong></p>
    <p>Storage: <strong id="gauge-storage">{{gauges.storage}}</strong> <span class="bar" aria-hidden="true"><span style="width: {{percent tenant.storage.usedBytes tenant.storage.quotaBytes}}%"></span></span></p>
    <p>Longest query: <strong id="gauge-longest">{{gauges.longestQuery}}</strong></p>
  </div>
</section>
<section aria-labelledby="modules-title">
  <h2 id="modules-title">Modules</h2>
  <div class="table-wrap" role="region" aria-label="Modules" tabindex="0">
  <table class="cards"><thead><tr><th scope="col">Module</th><th scope="col">Version</th><th scope="col">Applied</th></tr></thead>
  <tbody>{{#each modules}}<tr><td data-label="Module">{{name}}</td><td data-label="Version">{{version}}</td><td data-label="Applied">{{date appliedAt}}</td></tr>{{else}}<tr><td colspan="3">No module.</td></tr>{{/each}}</tbody></table>
  </div>
</section>
<section aria-labelledby="keys-title">
  <h2 id="keys-title">API keys</h2>
  <div class="table-wrap" role="region" aria-label="API keys" tabindex="0">
  <table class="cards"><thead><tr><th scope="col">Prefix</th><th scope="col">Created</th><th scope="col">Revoked</th></tr></thead>
  <tbody>{{#each tenant.apiKeys}}<tr><td data-label="Prefix"><code>{{prefix}}…</code></td><td data-label="Created">{{date createdAt}}</td><td data-label="Revoked">{{date revokedAt}}</td></tr>{{else}}<tr><td colspan="3">No key.</td></tr>{{/each}}</tbody></table>
  </div>
</section>
<section aria-labelledby="steps-title">
  <h2 id="steps-title">Provisioning steps</h2>
  <ol class="timeline">{{#each steps}}<li class="{{status}}"><strong>{{step}}</strong> — {{status}}, {{durationMs}} ms <span class="muted">{{date at}}</span>{{#if error}}<br><span class="error">{{error}}</span>{{/if}}</li>{{else}}<li>No step logged.</li>{{/each}}</ol>
</section>
<section aria-labelledby="audit-title">
  <h2 id="audit-title">Audit trail</h2>
  <div class="table-wrap" role="region" aria-label="Audit trail" tabindex="0">
  <table class="cards"><thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">Actor</th><th scope="col">Door</th><th scope="col">Outcome</th></tr></thead>
  <tbody>{{#each audit}}<tr><td data-label="When">{{date at}}</td><td data-label="Action">{{action}}</td><td data-label="Actor">{{actor}}</td><td data-label="Door">{{door}}</td><td data-label="Outcome">{{outcome}}{{#if statusCode}} ({{statusCode}}){{/if}}</td></tr>{{else}}<tr><td colspan="5">Nothing recorded.</td></tr>{{/each}}</tbody></table>
  </div>
</section>`,

  confirm: `<h1>{{heading}}</h1>
{{#if error}}<p class="panel alert" role="alert">{{error}}</p>{{/if}}
<form method="post" action="{{action}}" class="panel">
  {{> csrf}}
  <p>{{question}}</p>
  {{#if moduleChoices}}
  <fieldset><legend>Modules of {{tenantId}}</legend>
    {{#each moduleChoices}}<div><input type="checkbox" id="module-{{name}}" name="modules" value="{{name}}"{{#if checked}} checked{{/if}}> <label for="module-{{name}}">{{name}} <span class="muted">{{title}}</span></label></div>{{/each}}
  </fieldset>
  <div class="field"><input type="checkbox" id="purge" name="purge" value="true"> <label for="purge">Drop the data of removed modules (else detached, data kept)</label></div>
  {{/if}}
  {{#if typeToConfirm}}
  <div class="field"><label for="confirm">Type the tenant id, {{tenantId}}, to confirm</label><input id="confirm" name="confirm" autocomplete="off" required></div>
  {{/if}}
  <div class="actions"><button type="submit" class="{{buttonClass}}">{{button}}</button> <a class="button secondary" href="/console/tenants/{{tenantId}}">Cancel</a></div>
</form>`,

  key: `<h1>New API key of {{tenantId}}</h1>
<section class="panel notice" aria-labelledby="key-title">
  <h2 id="key-title">Copy it now: it is shown this once</h2>
  <p>Kryonix keeps only its hash; this page will not show it again.</p>
  <code class="secret" id="api-key">{{apiKey}}</code>
  <button type="button" data-copy="api-key">Copy the key</button> <span id="api-key-copied" role="status"></span>
</section>
<p><a href="/console/tenants/{{tenantId}}">Back to {{tenantId}}</a></p>`,

  newTenant: `<h1>New tenant</h1>
{{#if error}}<p class="panel alert" role="alert">{{error}}</p>{{/if}}
<form method="post" action="/console/tenants/new" class="panel" novalidate>
  {{> csrf}}
  <div class="field">
    <label for="id">Id (also its subdomain)</label>
    <input id="id" name="id" value="{{values.id}}" required autocomplete="off"{{#if errors.id}} aria-invalid="true" aria-describedby="id-error"{{/if}}>
    {{> fieldError name="id"}}
    <p class="muted">Lowercase letters, digits and hyphens, starting with a letter.</p>
  </div>
  <div class="field">
    <label for="name">Name</label>
    <input id="name" name="name" value="{{values.name}}" required autocomplete="off"{{#if errors.name}} aria-invalid="true" aria-describedby="name-error"{{/if}}>
    {{> fieldError name="name"}}
  </div>
  <fieldset{{#if errors.modules}} aria-describedby="modules-error"{{/if}}><legend>Modules</legend>
    {{#each moduleChoices}}<div><input type="checkbox" id="module-{{name}}" name="modules" value="{{name}}"{{#if (includes @root.values.modules name)}} checked{{/if}}> <label for="module-{{name}}">{{name}} <span class="muted">{{title}}{{#if dependencies.length}} (needs {{join dependencies}}){{/if}}</span></label></div>{{/each}}
    {{> fieldError name="modules"}}
  </fieldset>
  <div class="field">
    <label for="mode">Isolation mode</label>
    <select id="mode" name="mode"{{#if errors.mode}} aria-invalid="true" aria-describedby="mode-error"{{/if}}>{{#each modes}}<option{{#if (eq this @root.values.mode)}} selected{{/if}}>{{this}}</option>{{/each}}</select>
    {{> fieldError name="mode"}}
  </div>
  {{#if servers.length}}
  <div class="field">
    <label for="server">Server</label>
    <select id="server" name="server"{{#if errors.server}} aria-invalid="true" aria-describedby="server-error"{{/if}}><option value="">placement picks</option>{{#each servers}}<option{{#if (eq this @root.values.server)}} selected{{/if}}>{{this}}</option>{{/each}}</select>
    {{> fieldError name="server"}}
  </div>
  {{/if}}
  <button type="submit">Create tenant</button>
</form>`,

  run: `<h1>Creating {{tenantId}}</h1>
<section class="panel" aria-labelledby="steps-title" data-run-events="/console/tenants/new/runs/{{runId}}/events">
  <h2 id="steps-title">Steps</h2>
  <p id="run-status" role="status" aria-live="polite">Running…</p>
  <ol class="timeline" id="steps" aria-live="polite"></ol>
</section>
<section class="panel notice" id="outcome" hidden aria-labelledby="outcome-title">
  <h2 id="outcome-title" tabindex="-1">Done</h2>
  <p id="outcome-text"></p>
  <div id="key-box" hidden>
    <p>Its API key, shown this once (Kryonix keeps only its hash):</p>
    <code class="secret" id="api-key"></code>
    <button type="button" data-copy="api-key">Copy the key</button> <span id="api-key-copied" role="status"></span>
  </div>
  <p><a id="tenant-link" href="/console/tenants" hidden>Open the tenant</a></p>
</section>`,

  fleet: `<h1>Fleet</h1>
{{#if notice}}<p class="panel notice" role="status">{{notice}}</p>{{/if}}
{{#if error}}<p class="panel alert" role="alert">{{error}}</p>{{/if}}
<section aria-labelledby="pending-title">
  <h2 id="pending-title">Module versions pending</h2>
  <div class="table-wrap" role="region" aria-label="Module versions pending" tabindex="0">
  <table class="cards"><thead><tr><th scope="col">Module</th><th scope="col">Latest version</th><th scope="col">Tenants behind</th></tr></thead>
  <tbody>{{#each pending}}<tr><td data-label="Module">{{module}}</td><td data-label="Latest version">{{version}}</td><td data-label="Tenants behind">{{tenants}}</td></tr>{{else}}<tr><td colspan="3">Every tenant is at the latest versions.</td></tr>{{/each}}</tbody></table>
  </div>
  <form method="post" action="/console/fleet/migrate" class="actions" style="margin-top: .5rem">{{> csrf}}<button type="submit">Start a rollout to the latest versions</button></form>
</section>
{{#if rollout}}
<section class="panel" aria-labelledby="rollout-title" data-job-events="/console/fleet/jobs/{{rollout.id}}/events">
  <h2 id="rollout-title">Rollout {{rollout.id}}</h2>
  <p>Status: <strong id="rollout-status" role="status">{{rollout.status}}</strong></p>
  <p>Done <strong id="rollout-done">{{rollout.progress.done}}</strong>, failed <strong id="rollout-failed">{{rollout.progress.failed}}</strong>, of <strong id="rollout-total">{{rollout.progress.total}}</strong></p>
  <ul id="rollout-failures">{{#each rollout.progress.failures}}<li>{{tenant}}: {{error}}</li>{{/each}}</ul>
</section>
{{/if}}
{{#if job}}
<section class="panel" aria-labelledby="job-title">
  <h2 id="job-title">Job {{job.id}}</h2>
  <p>{{job.kind}}{{#if job.tenantId}} of tenant {{job.tenantId}}{{/if}}: <strong id="job-status" role="status">{{job.status}}</strong>{{#if job.error}} <span class="error">{{job.error}}</span>{{/if}}</p>
  {{#if job.result.apiKey}}<p>The new tenant's API key, shown this once (copy it now): <code id="job-api-key">{{job.result.apiKey}}</code></p>{{/if}}
  {{#if (eq job.status "succeeded")}}{{#if job.tenantId}}<p><a href="/console/tenants/{{job.tenantId}}">Open tenant {{job.tenantId}}</a></p>{{/if}}{{else}}{{#unless (eq job.status "failed")}}<p><a href="/console/fleet?job={{job.id}}">Reload</a> to see whether it is done.</p>{{/unless}}{{/if}}
</section>
{{/if}}
<section class="panel" aria-labelledby="drift-title">
  <h2 id="drift-title">Drift</h2>
  {{#if drift}}
    <p>Last check: {{drift.status}}, {{date drift.finishedAt}}{{#if drift.result}}: {{drift.result.checked}} tenants checked, {{drift.result.drifted}} drifted{{/if}}.</p>
    {{#if drift.result.tenants.length}}<ul>{{#each drift.result.tenants}}<li>{{tenant}}: {{differences}} difference(s)</li>{{/each}}</ul>{{/if}}
    {{#if drift.error}}<p class="error">{{drift.error}}</p>{{/if}}
  {{else}}<p>No drift check has run yet.</p>{{/if}}
  <form method="post" action="/console/fleet/drift">{{> csrf}}<button type="submit">Run a drift check</button></form>
</section>
<section aria-labelledby="servers-title">
  <h2 id="servers-title">Servers</h2>
  <div class="table-wrap" role="region" aria-label="Servers" tabindex="0">
  <table class="cards"><thead><tr><th scope="col">Server</th><th scope="col">State</th><th scope="col">Tenants</th><th scope="col">Storage</th><th scope="col">Connections</th><th scope="col">Reachable</th></tr></thead>
  <tbody>{{#each servers}}<tr>
    <td data-label="Server">{{name}} <span class="muted">{{address}}</span></td>
    <td data-label="State">{{state}}</td>
    <td data-label="Tenants">{{#if maxTenants}}<span class="bar" aria-hidden="true"><span style="width: {{percent tenants maxTenants}}%"></span></span> {{tenants}} of {{maxTenants}}{{else}}{{tenants}} (no limit){{/if}}</td>
    <td data-label="Storage">{{#if maxStorageBytes}}<span class="bar" aria-hidden="true"><span style="width: {{percent storageBytes maxStorageBytes}}%"></span></span> {{bytes storageBytes}} of {{bytes maxStorageBytes}}{{else}}{{bytes storageBytes}}{{/if}}</td>
    <td data-label="Connections">{{#if (eq connections null)}}—{{else}}{{connections}}{{/if}}</td>
    <td data-label="Reachable">{{#if reachable}}yes{{else}}<span class="error">no: {{error}}</span>{{/if}}</td>
  </tr>{{/each}}</tbody></table>
  </div>
  <h3>Moves in progress</h3>
  {{#if moves.length}}<ul>{{#each moves}}<li>{{tenantId}}: {{source}} → {{target}}, {{phase}}</li>{{/each}}</ul>{{else}}<p>None.</p>{{/if}}
</section>
<section aria-labelledby="backups-title">
  <h2 id="backups-title">Backups</h2>
  <p>The newest {{backups.length}} of {{backupsTotal}} in KRYONIX_BACKUP_DIR. A backup under a passphrase is restored with its passphrase (<code>kryonix tenant restore</code> or <code>POST /v1/restores</code>): the console does not take passphrases.</p>
  <div class="table-wrap" role="region" aria-label="Backups" tabindex="0">
  <table class="cards"><thead><tr><th scope="col">Backup</th><th scope="col">Tenant</th><th scope="col">Taken at</th><th scope="col">Size</th><th scope="col">Key</th><th scope="col">Trigger</th><th scope="col">Restore</th></tr></thead>
  <tbody>{{#each backups}}<tr>
    <td data-label="Backup">{{id}}{{#unless (eq status "ok")}} <span class="status status-failed">{{status}}</span>{{/unless}}{{#if problem}} <span class="error">{{problem}}</span>{{/if}}</td>
    <td data-label="Tenant">{{#if tenant}}{{tenant}}{{else}}—{{/if}}</td>
    <td data-label="Taken at">{{takenAt}}</td>
    <td data-label="Size">{{bytes bytes}}</td>
    <td data-label="Key">{{#if (eq key "master")}}master key{{else}}{{#if key}}{{key}}{{else}}—{{/if}}{{/if}}</td>
    <td data-label="Trigger">{{#if trigger}}{{trigger}}{{else}}—{{/if}}</td>
    <td data-label="Restore">{{#if restorable}}<details{{#if restoreError}} open{{/if}}><summary>Restore…</summary>
      <form method="post" action="/console/fleet/restore">{{> csrf}}<input type="hidden" name="backup" value="{{id}}">
        <label for="restore-as-{{@index}}">New tenant id</label>
        <input id="restore-as-{{@index}}" name="as" value="{{restoreAs}}" maxlength="63"{{#if restoreError}} aria-invalid="true" aria-describedby="restore-error-{{@index}}"{{/if}}>
        {{#if restoreError}}<p class="field-error" id="restore-error-{{@index}}">{{restoreError}}</p>{{/if}}
        <p><input type="checkbox" id="restore-confirm-{{@index}}" name="confirm" value="{{id}}" required> <label for="restore-confirm-{{@index}}">Restore backup {{id}} as this new tenant</label></p>
        <button type="submit">Restore</button>
      </form></details>{{else}}{{#if (eq key "passphrase")}}<span class="muted">passphrase: not from the console</span>{{else}}<span class="muted">not readable</span>{{/if}}{{/if}}</td>
  </tr>{{else}}<tr><td colspan="7">No backup.</td></tr>{{/each}}</tbody></table>
  </div>
</section>
<section aria-labelledby="jobs-title">
  <h2 id="jobs-title">Durable jobs</h2>
  <div class="table-wrap" role="region" aria-label="Durable jobs" tabindex="0">
  <table class="cards"><thead><tr><th scope="col">Job</th><th scope="col">Kind</th><th scope="col">Tenant</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Created</th><th scope="col">Error</th></tr></thead>
  <tbody>{{#each jobs}}<tr><td data-label="Job"><a href="/console/fleet?job={{id}}">{{id}}</a></td><td data-label="Kind">{{kind}}</td><td data-label="Tenant">{{tenantId}}</td><td data-label="Status"><span class="status status-{{status}}">{{status}}</span></td><td data-label="Attempts">{{attempts}} of {{maxAttempts}}</td><td data-label="Created">{{date createdAt}}</td><td data-label="Error">{{error}}</td></tr>{{else}}<tr><td colspan="7">No job.</td></tr>{{/each}}</tbody></table>
  </div>
</section>`,

  error: `<h1>{{heading}}</h1>
<p class="panel alert" role="alert">{{message}}</p>
<p><a href="{{back}}">Back</a></p>`,
} as const;

export type ConsolePage = keyof typeof PAGES;

const COMPILED = Object.fromEntries(Object.entries(PAGES).map(([name, text]) => [name, hbs.compile(text)])) as Record<ConsolePage, HandlebarsTemplateDelegate>;

export interface PageFrame {
  title: string;
  /** The session's CSRF token, for every form; absent when signed out. */
  csrf?: string;
  nav?: 'tenants' | 'new' | 'fleet';
}

export function renderPage(page: ConsolePage, frame: PageFrame, data: Record<string, unknown>): string {
  const root = { ...data, csrf: frame.csrf };
  const body = COMPILED[page](root, { allowProtoPropertiesByDefault: false });
  return LAYOUT({ title: frame.title, nav: frame.nav, signedIn: Boolean(frame.csrf), csrf: frame.csrf, body });
}
