/**
 * The console's one stylesheet and one script, served by the control plane itself
 * (/console/assets/…): no CDN, so it works offline. Kept as text here so the bundle
 * (esbuild) carries them without a file layout to find at run time.
 */
export const CONSOLE_CSS = `
:root { --fg:#1b1f24; --muted:#57606a; --line:#d0d7de; --bg:#fff; --panel:#f6f8fa; --accent:#0550ae; --bad:#a40e26; --ok:#116329; --warn:#7d4e00; font-family: system-ui, sans-serif; color: var(--fg); background: var(--bg); }
* { box-sizing: border-box; }
body { margin: 0; line-height: 1.45; }
a { color: var(--accent); }
header.top { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .6rem 1rem; background: #24292f; color: #fff; }
header.top a { color: #fff; }
header.top nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
header.top form { margin-left: auto; }
main { max-width: 1360px; margin: 0 auto; padding: 1rem; overflow-wrap: anywhere; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; margin: 0 0 1rem; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; }
.filters label, .field label { display: block; font-weight: 600; font-size: .9rem; }
.field { margin: 0 0 1rem; }
input, select, button { font: inherit; padding: .35rem .5rem; border: 1px solid #8c959f; border-radius: 4px; max-width: 100%; }
button, .button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; text-decoration: none; display: inline-block; padding: .35rem .8rem; border-radius: 4px; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.danger, .button.danger { background: var(--bad); border-color: var(--bad); }
:focus-visible { outline: 3px solid #fb8f44; outline-offset: 2px; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); }
.status { font-weight: 600; }
.status-active { color: var(--ok); } .status-suspended { color: var(--warn); } .status-deleting, .status-failed, .status-erro { color: var(--bad); }
.bar { display: inline-block; width: 6rem; height: .6rem; background: #eaeef2; border-radius: 3px; vertical-align: middle; overflow: hidden; }
.bar > span { display: block; height: 100%; background: var(--accent); }
.bar.full > span { background: var(--bad); }
.muted { color: var(--muted); }
.error, .field-error { color: var(--bad); font-weight: 600; }
.notice { border-left: 4px solid var(--ok); }
.alert { border-left: 4px solid var(--bad); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
ol.timeline { list-style: none; padding: 0; margin: 0; }
ol.timeline li { border-left: 3px solid var(--line); padding: .2rem .75rem; }
ol.timeline li.sucesso { border-color: var(--ok); } ol.timeline li.erro, ol.timeline li.undo_falhou { border-color: var(--bad); } ol.timeline li.desfeito { border-color: var(--warn); }
.secret { font-family: ui-monospace, monospace; background: #fff8c5; border: 1px solid #d4a72c; padding: .5rem; overflow-wrap: anywhere; display: block; margin: .5rem 0; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; }
.gauges { display: flex; flex-wrap: wrap; gap: 1rem 2rem; }
fieldset { border: 1px solid var(--line); border-radius: 4px; margin: 0 0 1rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 700px) {
  main { padding: .5rem; }
  dl.facts { grid-template-columns: 1fr; }
  table.cards thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: 100%; }
  table.cards tr { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 .5rem; padding: .25rem .5rem; }
  table.cards td { border: 0; padding: .15rem 0; }
  table.cards td::before { content: attr(data-label) ": "; font-weight: 600; }
}
`;

/**
 * The live parts: server-sent events (a create's steps, a rollout's progress), the tenant's
 * gauges, copy buttons. Pages work without it except for what is live.
 */
export const CONSOLE_JS = `
(function () {
  'use strict';
  function text(el, value) { if (el) el.textContent = value; }
  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('[data-copy]');
    if (!button) return;
    var source = document.getElementById(button.getAttribute('data-copy'));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () { text(document.getElementById(button.getAttribute('data-copy') + '-copied'), 'Copied.'); });
  });
  function stepItem(step) {
    var li = document.createElement('li');
    li.className = step.status;
    li.textContent = step.step + ' — ' + step.status + ' (' + Math.round(step.durationMs) + ' ms)' + (step.error ? ': ' + step.error : '');
    return li;
  }
  var run = document.querySelector('[data-run-events]');
  if (run && window.EventSource) {
    var steps = document.getElementById('steps');
    var source = new EventSource(run.getAttribute('data-run-events'));
    source.addEventListener('step', function (e) { steps.appendChild(stepItem(JSON.parse(e.data))); });
    source.addEventListener('done', function (e) {
      source.close();
      var done = JSON.parse(e.data);
      var outcome = document.getElementById('outcome');
      outcome.hidden = false;
      if (done.error) { outcome.className = 'panel alert'; text(document.getElementById('outcome-title'), 'The create failed'); text(document.getElementById('outcome-text'), done.error.message); }
      else {
        text(document.getElementById('outcome-title'), 'Tenant ' + done.tenant.id + ' is ready');
        document.getElementById('tenant-link').href = done.tenant.href;
        document.getElementById('tenant-link').hidden = false;
        if (done.apiKey) { document.getElementById('key-box').hidden = false; text(document.getElementById('api-key'), done.apiKey); }
        else text(document.getElementById('outcome-text'), 'Its API key was shown once already; rotate the key on the tenant page for a new one.');
      }
      text(document.getElementById('run-status'), done.error ? 'Failed.' : 'Finished.');
      document.getElementById('outcome-title').focus();
    });
  }
  var rollout = document.querySelector('[data-job-events]');
  if (rollout && window.EventSource) {
    var jobSource = new EventSource(rollout.getAttribute('data-job-events'));
    jobSource.addEventListener('progress', function (e) {
      var job = JSON.parse(e.data);
      var p = job.progress || {};
      text(document.getElementById('rollout-status'), job.status);
      text(document.getElementById('rollout-done'), String(p.done == null ? 0 : p.done));
      text(document.getElementById('rollout-failed'), String(p.failed == null ? 0 : p.failed));
      text(document.getElementById('rollout-total'), String(p.total == null ? '?' : p.total));
      var list = document.getElementById('rollout-failures');
      if (list && p.failures) { list.innerHTML = ''; p.failures.forEach(function (f) { var li = document.createElement('li'); li.textContent = f.tenant + ': ' + f.error; list.appendChild(li); }); }
      if (job.finished) jobSource.close();
    });
  }
  var gauges = document.querySelector('[data-gauges]');
  if (gauges && window.fetch) {
    var refresh = function () {
      fetch(gauges.getAttribute('data-gauges'), { headers: { accept: 'application/json' }, credentials: 'same-origin' }).then(function (r) { return r.ok ? r.json() : null; }).then(function (g) {
        if (!g) return;
        text(document.getElementById('gauge-connections'), String(g.connections));
        text(document.getElementById('gauge-storage'), g.storage);
        text(document.getElementById('gauge-longest'), g.longestQuery);
      }).catch(function () {});
    };
    setInterval(refresh, 5000);
  }
})();
`;
