// The export console: plain modern JavaScript against the service's own API, nothing loaded from elsewhere.
// The API key lives in sessionStorage only and is sent as a bearer header, never in a URL.

const KEY = 'outport.apiKey';
// A portal session (from a one-time link): its scopes, where to go back to, and until when it lasts.
const SESSION = 'outport.session';
const FINAL = new Set(['completed', 'failed', 'canceled', 'expired']);
const NUMERIC = /^(smallint|integer|bigint|numeric|real|double precision)/;
const $ = (selector, root = document) => root.querySelector(selector);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const state = { key: sessionStorage.getItem(KEY), cursor: null, datasets: [], streams: new Map(), rows: new Map(),
  pendingKey: null, creating: false, session: JSON.parse(sessionStorage.getItem(SESSION) || 'null'), title: 'Outport' };

/** A read-only session (a portal link with read_only) shows no create form and no cancel button. */
const readOnly = () => !!state.session && !state.session.scopes.includes('outport:write');

class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

function announce(text) {
  const a = $('#announcer');
  a.textContent = '';
  // A new text node each time, so screen readers announce a repeated message too.
  setTimeout(() => { a.textContent = text; }, 50);
}

function notice(text) {
  const n = $('#notice');
  n.textContent = text || '';
  n.hidden = !text;
}

function retryAfter(res) {
  const s = Number(res.headers.get('Retry-After'));
  return Number.isFinite(s) && s > 0 ? Math.min(s, 60) : 1;
}

/** One API call; a 429 is retried after Retry-After, a 401 signs out with the API's message. */
async function api(method, path, body, headers = {}) {
  for (let attempt = 0; ; attempt++) {
    const h = { ...headers, Authorization: `Bearer ${state.key}` };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status === 429 && attempt < 5) {
      const wait = retryAfter(res);
      notice(`The service asks to slow down: retrying in ${wait} s.`);
      await sleep(wait * 1000);
      continue;
    }
    notice('');
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (res.status === 401) {
      signOut(`Signed out: ${(data && data.detail) || 'the API key is not valid'}`);
      throw new ApiError(401, data);
    }
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }
}

// ---- sign in / out ------------------------------------------------------------------------------------

function signOut(message) {
  for (const ctrl of state.streams.values()) ctrl.abort();
  state.streams.clear();
  state.rows.clear();
  state.key = null;
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(SESSION);
  state.session = null;
  $('#portal').hidden = true;
  $('#exports tbody').replaceChildren();
  $('#app').hidden = true;
  $('#sign-out').hidden = true;
  $('#sign-in').hidden = false;
  $('#sign-in-error').textContent = message || '';
  $('#api-key').value = '';
  $('#api-key').focus();
}

async function signIn(key) {
  state.key = key;
  try {
    const datasets = await api('GET', '/v1/datasets');
    if (state.key !== key) return; // signed out meanwhile
    sessionStorage.setItem(KEY, key);
    state.datasets = datasets.data;
    $('#sign-in').hidden = true;
    $('#portal').hidden = true;
    $('#app').hidden = false;
    $('#sign-out').hidden = false;
    $('#create-section').hidden = readOnly();
    showBackLink();
    fillDatasets();
    await loadExports(true);
    $('#exports-title').setAttribute('tabindex', '-1');
    $('#exports-title').focus();
  } catch (e) {
    if (e.status !== 401) {
      state.key = null;
      $('#sign-in-error').textContent = e.message;
    }
  }
}

// ---- the exports list -------------------------------------------------------------------------------

function eta(seconds) {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

function bytes(n) {
  if (n == null) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function cell(label, className) {
  const td = document.createElement('td');
  td.dataset.label = label;
  if (className) td.className = className;
  return td;
}

function rowFor(id) {
  let row = state.rows.get(id);
  if (row) return row;
  const tr = document.createElement('tr');
  tr.id = `export-${id}`;
  const idCell = cell('Export', 'id');
  const status = cell('Status');
  const progress = cell('Progress', 'progress');
  progress.innerHTML = '<div class="track" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0">'
    + '<div class="fill"></div></div><span class="pct"></span>';
  const result = cell('Result');
  const files = cell('Files', 'files');
  const actions = cell('Actions');
  tr.append(idCell, status, progress, result, files, actions);
  row = { tr, idCell, status, progress, result, files, actions, last: null };
  state.rows.set(id, row);
  return row;
}

function renderProgress(row, p, status) {
  const pct = status === 'completed' || status === 'expired' ? 100 : (p.percent || 0);
  const track = $('.track', row.progress);
  track.setAttribute('aria-valuenow', String(pct));
  track.setAttribute('aria-label', `progress ${pct} percent`);
  $('.fill', row.progress).style.width = `${pct}%`;
  // Short and of bounded length (the cell has a fixed width): nothing moves as the numbers change.
  let text = `${pct} %`;
  if (p.eta_seconds != null && status === 'processing') text += ` · ${eta(p.eta_seconds)} left`;
  $('.pct', row.progress).textContent = text;
  track.title = p.rows != null ? `${p.rows.toLocaleString('en')} rows written` : '';
}

function render(e) {
  const row = rowFor(e.id);
  const previous = row.last && row.last.status;
  row.last = e;
  row.idCell.innerHTML = '';
  const code = document.createElement('code');
  code.textContent = e.id.slice(0, 8) + '…' + e.id.slice(-4);
  code.title = e.id;
  const meta = document.createElement('div');
  meta.className = 'meta';
  meta.textContent = `${e.dataset} · ${e.format}${e.compression === 'gzip' ? '.gz' : ''} · ${new Date(e.created_at).toLocaleString()}`;
  row.idCell.append(code, meta);
  row.status.innerHTML = '';
  const s = document.createElement('span');
  s.className = `status ${e.status}`;
  s.textContent = e.status;
  row.status.append(s);
  if (e.error) {
    const m = document.createElement('div');
    m.className = 'meta';
    m.textContent = e.error.message;
    row.status.append(m);
  }
  renderProgress(row, e.progress || {}, e.status);
  row.result.textContent = e.row_count != null ? `${e.row_count.toLocaleString('en')} rows · ${bytes(e.file_size_bytes)}` : '';
  // Links and the cancel button are updated in place, never replaced: a keyboard user's focus stays on them
  // as parts finish.
  const files = e.files || [];
  while (row.files.children.length > files.length) row.files.lastElementChild.remove();
  files.forEach((f, i) => {
    let a = row.files.children[i];
    if (!a) {
      a = document.createElement('a');
      a.download = '';
      a.rel = 'noreferrer';
      row.files.append(a);
    }
    if (f.url) {
      a.href = f.url;
      a.textContent = `Part ${f.part} (${bytes(f.size_bytes)})`;
      a.setAttribute('aria-label', `Download part ${f.part} of export ${e.id.slice(0, 8)}, ${bytes(f.size_bytes)}`);
    } else {
      // Delivered into the customer's own bucket: where it is, not a link.
      a.removeAttribute('href');
      a.textContent = `Part ${f.part} (${bytes(f.size_bytes)}) in ${f.location}`;
      a.setAttribute('aria-label', `Part ${f.part} of export ${e.id.slice(0, 8)}, delivered to ${f.location}`);
    }
  });
  const cancelable = (e.status === 'queued' || e.status === 'processing') && !readOnly();
  if (!cancelable) {
    row.actions.replaceChildren();
  } else if (!row.actions.firstElementChild) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'secondary cancel';
    b.textContent = 'Cancel';
    b.setAttribute('aria-label', `Cancel export ${e.id.slice(0, 8)}`);
    b.addEventListener('click', () => cancel(e.id, b));
    row.actions.append(b);
  }
  if (previous && previous !== e.status) announce(`Export ${e.id.slice(0, 8)} is ${e.status}`);
  if (!FINAL.has(e.status)) follow(e.id);
  return row;
}

async function loadExports(reset) {
  if (reset) {
    state.cursor = null;
    for (const ctrl of state.streams.values()) ctrl.abort();
    state.streams.clear();
    state.rows.clear();
    $('#exports tbody').replaceChildren();
  }
  const page = await api('GET', `/v1/exports?limit=20${state.cursor ? `&cursor=${encodeURIComponent(state.cursor)}` : ''}`);
  const body = $('#exports tbody');
  for (const e of page.data) {
    body.append(render(e).tr);
    // The list carries no URLs: read each export that has files for its presigned ones.
    if (e.status === 'completed') api('GET', `/v1/exports/${e.id}`).then(render).catch(() => {});
  }
  state.cursor = page.next_cursor;
  $('#more').hidden = !state.cursor;
  $('#empty').hidden = state.rows.size > 0;
}

async function cancel(id, button) {
  button.disabled = true;
  try {
    render(await api('POST', `/v1/exports/${id}/cancel`));
  } catch (e) {
    if (e.status !== 401) announce(e.message);
    button.disabled = false;
  }
}

/**
 * Follows a running export's event stream (fetch, so the key goes in a header): status events (every status
 * change, every part finished) re-render the row with its download links, progress events move its bar. A
 * dropped stream reconnects with Last-Event-ID, backing off; one stream per export at most.
 */
async function follow(id) {
  if (state.streams.has(id)) return;
  const ctrl = new AbortController();
  state.streams.set(id, ctrl);
  let lastId = null;
  let delay = 1000;
  let ended = false;
  while (!ended && !ctrl.signal.aborted) {
    try {
      const headers = { Authorization: `Bearer ${state.key}`, Accept: 'text/event-stream' };
      if (lastId) headers['Last-Event-ID'] = lastId;
      const res = await fetch(`/v1/exports/${id}/events`, { headers, signal: ctrl.signal });
      if (res.status === 401) { signOut('Signed out: the API key is not valid any more'); return; }
      if (res.status === 429) { await sleep(retryAfter(res) * 1000); continue; }
      if (!res.ok) break;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = parseEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (event.id) lastId = event.id;
          delay = 1000;
          if (event.event === 'status') {
            const e = JSON.parse(event.data);
            render(e);
            if (FINAL.has(e.status)) ended = true;
          } else if (event.event === 'progress') {
            const row = state.rows.get(id);
            if (row) renderProgress(row, JSON.parse(event.data), 'processing');
          }
        }
      }
    } catch (err) {
      if (ctrl.signal.aborted) break;
    }
    if (!ended && !ctrl.signal.aborted) {
      await sleep(delay);
      delay = Math.min(delay * 2, 15000);
    }
  }
  if (state.streams.get(id) === ctrl) state.streams.delete(id);
}

function parseEvent(block) {
  const event = { event: 'message', data: '' };
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') event.data += (event.data ? '\n' : '') + value;
    else if (field === 'event' || field === 'id') event[field] = value;
  }
  return event;
}

// ---- the create form --------------------------------------------------------------------------------

function fillDatasets() {
  const select = $('#dataset');
  select.replaceChildren(...state.datasets.map((d) => new Option(d.name, d.name)));
  fillDataset();
}

function currentDataset() {
  return state.datasets.find((d) => d.name === $('#dataset').value);
}

function fillDataset() {
  const d = currentDataset();
  if (!d) return;
  $('#time-column').textContent = d.time_column;
  $('#filter-fields').replaceChildren(...d.filterable.map((name) => {
    const column = d.columns.find((c) => c.name === name);
    const wrap = document.createElement('div');
    wrap.className = 'field';
    const id = `filter-${name}`;
    wrap.innerHTML = `<label></label><input type="text" autocomplete="off"><span class="error"></span>`;
    const [label, input, error] = wrap.children;
    label.htmlFor = id;
    label.textContent = `${name} (${column ? column.type : ''})`;
    input.id = id;
    input.dataset.column = name;
    input.dataset.type = column ? column.type : 'text';
    error.id = `err-filters.${name}`;
    input.setAttribute('aria-describedby', error.id);
    return wrap;
  }));
  $('#filters').hidden = d.filterable.length === 0;
  $('#field-boxes').replaceChildren(...d.columns.map((c) => {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = true;
    box.value = c.name;
    box.name = 'fields';
    label.append(box, document.createTextNode(c.name));
    return label;
  }));
}

function filterValue(text, type) {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const typed = parts.map((p) => {
    if (NUMERIC.test(type) && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(p)) return Number(p);
    if (type === 'boolean' && (p === 'true' || p === 'false')) return p === 'true';
    return p;
  });
  return typed.length === 1 ? typed[0] : typed;
}

function requestBody() {
  const body = { dataset: $('#dataset').value, format: $('#format').value, compression: $('#compression').value };
  const mib = $('#max-file-mib').value.trim();
  if (mib !== '') body.max_file_bytes = Number(mib) * 1024 * 1024;
  const filters = {};
  for (const [input, key] of [[$('#from'), 'from'], [$('#to'), 'to']]) {
    // datetime-local has no zone: the form says UTC, so the value is sent as UTC.
    if (input.value) filters[key] = `${input.value.length === 16 ? `${input.value}:00` : input.value}Z`;
  }
  for (const input of document.querySelectorAll('#filter-fields input')) {
    if (input.value.trim()) filters[input.dataset.column] = filterValue(input.value, input.dataset.type);
  }
  if (Object.keys(filters).length) body.filters = filters;
  const boxes = [...document.querySelectorAll('#field-boxes input')];
  const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
  if (chosen.length !== boxes.length) body.fields = chosen;
  return body;
}

function clearErrors() {
  for (const e of document.querySelectorAll('#create .error')) e.textContent = '';
  for (const e of document.querySelectorAll('#create [aria-invalid]')) e.removeAttribute('aria-invalid');
}

/** Shows each error of a problem next to the field it names (fields[2] → fields, filters.x[1] → filters.x). */
function showErrors(problem, message) {
  const errors = problem.errors || [];
  let shown = false;
  for (const { field, message: text } of errors) {
    const name = field.replace(/\[\d+\]$/, '').replace(/^fields\[\d+\]$/, 'fields');
    const target = document.getElementById(`err-${name}`) || document.getElementById(`err-${name.split('.')[0]}`);
    if (target) {
      target.textContent += `${target.textContent ? ' ' : ''}${field} ${text}`;
      const input = document.querySelector(`[aria-describedby~="${CSS.escape(target.id)}"]`);
      if (input) input.setAttribute('aria-invalid', 'true');
      shown = true;
    }
  }
  if (!shown || !errors.length) $('#err-form').textContent = message;
  const first = document.querySelector('#create [aria-invalid="true"]');
  if (first) first.focus();
}

function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

async function create(event) {
  event.preventDefault();
  if (state.creating) return; // a double click sends one request
  state.creating = true;
  const button = $('#create-button');
  button.disabled = true;
  clearErrors();
  // The same key until the service answers: a retry after a lost answer cannot create the export twice.
  state.pendingKey = state.pendingKey || idempotencyKey();
  try {
    const e = await api('POST', '/v1/exports', requestBody(), { 'Idempotency-Key': state.pendingKey });
    state.pendingKey = null;
    const row = render(e);
    $('#exports tbody').prepend(row.tr);
    $('#empty').hidden = true;
    announce(`Export ${e.id.slice(0, 8)} created`);
  } catch (e) {
    if (e.status && e.status < 500) state.pendingKey = null; // refused: nothing was created
    if (e.status !== 401) showErrors(e.problem || {}, e.message);
  } finally {
    state.creating = false;
    button.disabled = false;
  }
}

// ---- wiring -----------------------------------------------------------------------------------------

// ---- branding and portal links ----------------------------------------------------------------------

/** The product's name, logo and accent colour, as the operator configured them. */
async function brand() {
  try {
    const res = await fetch('/console/branding.json');
    if (!res.ok) return;
    const b = await res.json();
    state.title = b.title;
    $('#title').textContent = b.title === 'Outport' ? 'Outport exports' : `${b.title} exports`;
    document.title = `${b.title} — exports`;
    if (b.logo_url) {
      $('#logo').src = b.logo_url;
      $('#logo').alt = b.title;
      $('#logo').hidden = false;
    }
    if (/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(b.accent)) document.documentElement.style.setProperty('--accent', b.accent);
    showBackLink();
  } catch {
    // offline or an older server: the page stays as it is
  }
}

/** "Back to <product>" for a portal session that has a return URL (http or https only). */
function showBackLink() {
  const back = $('#back');
  const url = state.session && state.session.return_url;
  let ok = false;
  try { ok = !!url && ['http:', 'https:'].includes(new URL(url).protocol); } catch { ok = false; }
  back.hidden = !ok;
  if (ok) {
    back.href = url;
    back.textContent = `Back to ${state.title}`;
  }
}

/**
 * A portal link opens the page as /console#code=…: the code is taken from the fragment (never sent to a server
 * by the browser) and removed from the address bar and the history entry before anything else happens, then
 * exchanged once for a session that the tab keeps like a key.
 */
async function portalSignIn(code) {
  history.replaceState(null, '', location.pathname + location.search);
  $('#sign-in').hidden = true;
  $('#portal').hidden = false;
  $('#portal-status').textContent = 'Signing you in…';
  try {
    const res = await fetch('/v1/portal/sessions', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code }) });
    const data = await res.json().catch(() => null);
    if (res.status !== 201) {
      $('#portal-status').textContent = (data && data.detail) || 'This link cannot be used.';
      return;
    }
    state.session = { scopes: data.scopes, return_url: data.return_url, expires_at: data.expires_at };
    sessionStorage.setItem(SESSION, JSON.stringify(state.session));
    await signIn(data.token);
  } catch (e) {
    $('#portal-status').textContent = e.message;
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('#sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('#api-key').value.trim();
    if (!key) {
      $('#sign-in-error').textContent = 'Paste an API key (op_…).';
      return;
    }
    $('#sign-in-error').textContent = '';
    signIn(key);
  });
  $('#sign-out').addEventListener('click', () => signOut('Signed out.'));
  $('#refresh').addEventListener('click', () => loadExports(true).catch((e) => e.status !== 401 && announce(e.message)));
  $('#more').addEventListener('click', () => loadExports(false).catch((e) => e.status !== 401 && announce(e.message)));
  $('#dataset').addEventListener('change', fillDataset);
  $('#create').addEventListener('submit', create);
  brand();
  const code = new URLSearchParams(location.hash.slice(1)).get('code');
  if (code) {
    portalSignIn(code);
  } else if (state.key) {
    signIn(state.key);
  } else {
    $('#api-key').focus();
  }
  // A portal link opened in a tab that already shows the console changes only the fragment: no new page load.
  window.addEventListener('hashchange', () => {
    const next = new URLSearchParams(location.hash.slice(1)).get('code');
    if (next) {
      signOut('');
      portalSignIn(next);
    }
  });
});
