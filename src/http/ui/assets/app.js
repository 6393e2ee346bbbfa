// Switchboard's web view: plain DOM, no framework. The token lives in sessionStorage and goes
// in the Authorization header of every /ui/api request (the live calls too: they are read
// with fetch() and a stream reader, since EventSource cannot send headers). The server decides
// what this token may see; nothing here is a permission check.
'use strict';

const TOKEN_KEY = 'switchboard.token';
const REFRESH_MS = 5000;
const MAX_CALLS = 200;

const state = {
  token: null,
  me: null,
  callsAbort: null,
  refreshTimer: null,
  lastQuery: '',
};

const $ = (selector) => document.querySelector(selector);

/** An element with attributes and children (strings become text nodes, never HTML). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error) || `the gateway answered ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** A JSON request to /ui/api with the token; a 401 signs out. */
async function api(path, options = {}, token = state.token) {
  const headers = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method: options.method || 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    cache: 'no-store',
  });
  let body = null;
  const text = await response.text();
  try { body = text ? JSON.parse(text) : null; } catch { body = { error: text }; }
  if (!response.ok) {
    if (response.status === 401 && token === state.token && state.token) {
      signOut('Your token is no longer accepted. Sign in again.');
    }
    throw new ApiError(response.status, body);
  }
  return body;
}

function notify(message) {
  const notice = $('#notice');
  notice.textContent = message;
  notice.hidden = false;
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => { notice.hidden = true; }, 4000);
}

// ---- Sign in and out ----

async function signIn(token) {
  const me = await api('/ui/api/me', {}, token);
  state.token = token;
  state.me = me;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('#login').hidden = true;
  $('#app').hidden = false;
  $('#nav').hidden = false;
  $('#who').hidden = false;
  $('#who-name').textContent = me.kind === 'admin' ? `${me.name} · admin` : me.name;
  fillTargets(me.workspaces);
  $('#search-status').textContent =
    `${me.catalog.servers} servers in the catalog; ranked by ${me.catalog.search === 'hybrid' ? 'words and meaning' : 'words'}.`;
  await refreshWorkspaces();
  clearInterval(state.refreshTimer);
  state.refreshTimer = setInterval(() => { if (!document.hidden) refreshWorkspaces(); }, REFRESH_MS);
  followCalls();
  $('#q').focus();
}

function signOut(message) {
  state.token = null;
  state.me = null;
  sessionStorage.removeItem(TOKEN_KEY);
  clearInterval(state.refreshTimer);
  if (state.callsAbort) state.callsAbort.abort();
  $('#app').hidden = true;
  $('#nav').hidden = true;
  $('#who').hidden = true;
  $('#login').hidden = false;
  $('#results').replaceChildren();
  $('#workspaces').replaceChildren();
  $('#calls-body').replaceChildren();
  $('#calls-empty').hidden = false;
  const error = $('#login-error');
  error.hidden = !message;
  error.textContent = message || '';
  $('#token').value = '';
  $('#token').focus();
}

function fillTargets(workspaces) {
  const select = $('#target');
  const previous = select.value;
  select.replaceChildren(...workspaces.map((id) => el('option', { value: id }, id)));
  if (workspaces.includes(previous)) select.value = previous;
  else if (state.me && workspaces.includes(state.me.name)) select.value = state.me.name;
}

// ---- Search ----

const FIELD_NAMES = {
  name: 'name', title: 'title', tags: 'tags', tool_name: 'tool names', description: 'description',
  knowledge: 'product knowledge', tool_text: 'tool descriptions', details: 'config',
};

async function search(query) {
  state.lastQuery = query;
  const status = $('#search-status');
  status.textContent = 'Searching…';
  const params = new URLSearchParams({ q: query });
  if ($('#target').value) params.set('workspace', $('#target').value);
  try {
    const answer = await api(`/ui/api/search?${params}`);
    renderResults(answer);
    status.textContent = `${answer.results.length} results for “${answer.query}”.`;
  } catch (error) {
    status.textContent = error.message;
  }
}

function renderResults(answer) {
  const meaning = answer.mode === 'hybrid';
  $('#results').replaceChildren(...answer.results.map((result, i) => resultCard(result, i, meaning)));
}

function resultCard(result, position, hybrid) {
  const target = $('#target').value;
  const action = result.added
    ? el('button', { type: 'button', class: 'danger small', onclick: (e) => removeServer(target, result.name, e.currentTarget) },
      'Remove')
    : el('button', { type: 'button', class: 'primary small', 'aria-label': `Add ${result.name} to ${target}`,
      onclick: (e) => addServer(target, result.name, e.currentTarget, card) }, `Add to ${target}`);
  const card = el('li', { class: 'result', dataset: { server: result.name }, 'aria-label': result.title || result.name },
    el('div', { class: 'result-head' },
      el('h3', {}, result.title || result.name, el('code', {}, result.name),
        el('span', { class: 'rank' }, `#${position + 1} · score ${result.score.toFixed(3)}`)),
      target ? action : null),
    el('p', {}, result.description),
    why(result, hybrid),
    matchedTools(result.matched_tools),
    needsLine(result.missing_secrets, result.missing_config));
  return card;
}

/** Which query words hit which fields and tools, and what meaning added. */
function why(result, hybrid) {
  const w = result.why;
  const chips = w.words.map((word) => {
    if (!word.found) {
      return el('span', { class: 'chip miss', title: 'not in this server' }, el('strong', {}, word.word));
    }
    const where = word.fields.filter((f) => f !== 'tool_name' && f !== 'tool_text').map((f) => FIELD_NAMES[f] || f);
    let text = '';
    if (word.found === 'synonym') text += ` (as ${word.via})`;
    if (word.found === 'spelling') text += ` (spelled ${word.via})`;
    text += ` → ${where.join(', ')}`;
    if (word.tools.length) text += `${where.length ? ' · ' : ''}tools `;
    return el('span', { class: 'chip hit', dataset: { word: word.word } },
      el('strong', {}, word.word), text,
      word.tools.length ? el('code', {}, word.tools.slice(0, 4).join(', ')) : null);
  });
  if (w.exact) chips.unshift(el('span', { class: 'chip exact' }, w.exact === 'name' ? 'exact name' : 'exact tool name'));
  if (w.name_in_query && !w.exact) chips.push(el('span', { class: 'chip exact' }, 'name in query'));
  if (w.semantic === null || w.semantic === undefined) {
    chips.push(el('span', { class: 'chip', dataset: { meaning: 'off' } }, hybrid ? 'meaning: unavailable' : 'words only'));
  } else {
    const share = w.semantic;
    const label = share > 0.005 ? `meaning +${share.toFixed(2)}` : 'meaning: no lift';
    chips.push(el('span', { class: share > 0.005 ? 'chip meaning' : 'chip', dataset: { meaning: share > 0.005 ? 'yes' : 'no' },
      title: `closeness in meaning ${(w.cosine || 0).toFixed(2)}; words added ${w.lexical.toFixed(2)}` }, label));
  }
  return el('div', { class: 'why', role: 'group', 'aria-label': 'Why it matched', 'data-testid': 'why' },
    el('span', { class: 'why-label' }, 'Why'), ...chips);
}

function matchedTools(tools) {
  if (!tools.length) return null;
  return el('ul', { class: 'tools-matched', 'aria-label': 'Matched tools' },
    ...tools.map((tool) => el('li', { dataset: { tool: tool.name } },
      el('code', {}, tool.name), tool.description ? ` — ${tool.description} ` : ' ',
      el('span', { class: 'by' }, tool.by === 'words' ? '(words)' : '(meaning)'))));
}

function needsLine(secrets, config) {
  const parts = [];
  if (secrets.length) parts.push(`needs secret${secrets.length > 1 ? 's' : ''} ${secrets.join(', ')}`);
  if (config.length) parts.push(`needs config ${config.join(', ')}`);
  return parts.length ? el('p', {}, el('span', { class: 'needs' }, parts.join('; '))) : null;
}

// ---- Add and remove ----

async function addServer(workspace, server, button, card) {
  button.disabled = true;
  const label = button.textContent;
  button.textContent = 'Adding…';
  card.querySelector('.refusal')?.remove();
  try {
    const answer = await api(`/ui/api/workspaces/${encodeURIComponent(workspace)}/servers`,
      { method: 'POST', body: { server } });
    notify(`${answer.status === 'added' ? 'Added' : 'Already added:'} ${server} in ${workspace} (${answer.tools.length} tools).`);
    await refreshWorkspaces();
    if (state.lastQuery) await search(state.lastQuery);
  } catch (error) {
    button.disabled = false;
    button.textContent = label;
    card.append(refusal(error));
  }
}

async function removeServer(workspace, server, button) {
  button.disabled = true;
  try {
    await api(`/ui/api/workspaces/${encodeURIComponent(workspace)}/servers/${encodeURIComponent(server)}`,
      { method: 'DELETE' });
    notify(`Removed ${server} from ${workspace}.`);
    await refreshWorkspaces();
    if (state.lastQuery) await search(state.lastQuery);
  } catch (error) {
    button.disabled = false;
    notify(error.message);
  }
}

/** A refusal as the model would read it: the message, then what is missing. */
function refusal(error) {
  const body = error.body || {};
  const missing = (body.missing_secrets || []).map((s) => s.name || s);
  return el('div', { class: 'refusal error', role: 'alert' },
    el('p', {}, error.message),
    missing.length ? el('p', {}, 'Missing secrets: ', el('code', {}, missing.join(', '))) : null,
    (body.missing_config || []).length ? el('p', {}, 'Missing config: ', el('code', {}, body.missing_config.join(', '))) : null);
}

// ---- Workspaces ----

async function refreshWorkspaces() {
  if (!state.token) return;
  let answer;
  try {
    answer = await api('/ui/api/workspaces');
  } catch (error) {
    return;
  }
  const ids = answer.workspaces.map((w) => w.id);
  fillTargets(ids);
  $('#workspaces').replaceChildren(...answer.workspaces.map(workspaceCard));
  if (!answer.workspaces.length) {
    $('#workspaces').append(el('p', { class: 'empty' }, 'No workspaces yet.'));
  }
}

function workspaceCard(ws) {
  const sessions = ws.sessions.length;
  return el('article', { class: 'ws', dataset: { workspace: ws.id }, 'aria-label': `Workspace ${ws.id}` },
    el('div', { class: 'ws-head' },
      el('h3', {}, ws.id),
      ws.owner !== ws.id ? el('span', { class: 'pill' }, `session of ${ws.owner}`) : null,
      el('span', { class: 'pill' }, ws.open ? `${sessions} session${sessions === 1 ? '' : 's'}` : 'no session yet')),
    ws.servers.length
      ? el('ul', { class: 'servers', 'aria-label': `Servers in ${ws.id}` }, ...ws.servers.map((s) => serverRow(ws.id, s)))
      : el('p', { class: 'empty' }, 'No servers added. Search the catalog and add one.'),
    ws.preload_failures.length
      ? el('p', { class: 'needs' }, `Could not start: ${ws.preload_failures.map((f) => f.server).join(', ')}`) : null,
    sessions
      ? el('div', { class: 'sessions' }, 'Open MCP sessions:',
        el('ul', {}, ...ws.sessions.map((s) => el('li', {}, el('code', {}, `${s.id}…`), ` since ${clock(new Date(s.opened_ms))}`))))
      : null);
}

function serverRow(workspace, server) {
  const meta = [
    el('span', { class: `pill ${server.state}`, dataset: { state: server.state } }, el('span', { class: 'dot', 'aria-hidden': 'true' }), server.state),
    server.container ? el('span', {}, 'container ', el('code', { title: server.container }, server.container.slice(0, 12))) : null,
    el('span', {}, `${server.tools.length} tool${server.tools.length === 1 ? '' : 's'}`),
    server.prompts ? el('span', {}, `${server.prompts} prompts`) : null,
    server.resources ? el('span', {}, `${server.resources} resources`) : null,
  ];
  const missing = [];
  if (server.missing_secrets.length) missing.push(`missing secrets: ${server.missing_secrets.join(', ')}`);
  if (server.missing_config.length) missing.push(`missing config: ${server.missing_config.join(', ')}`);
  return el('li', { class: 'server', dataset: { server: server.name } },
    el('div', {}, el('strong', {}, server.title || server.name), ' ', el('code', {}, server.name)),
    el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'danger small', 'aria-label': `Remove ${server.name} from ${workspace}`,
        onclick: (e) => removeServer(workspace, server.name, e.currentTarget) }, 'Remove')),
    el('div', { class: 'server-meta' }, ...meta),
    missing.length ? el('div', {}, el('span', { class: 'needs' }, missing.join('; '))) : null);
}

// ---- Live calls ----

function setLive(stateName, text) {
  const live = $('#live');
  live.dataset.state = stateName;
  live.textContent = text;
}

/** Reads /ui/api/calls as server-sent events, reconnecting until signed out. */
async function followCalls() {
  if (state.callsAbort) state.callsAbort.abort();
  const abort = new AbortController();
  state.callsAbort = abort;
  while (state.token && !abort.signal.aborted) {
    try {
      const response = await fetch('/ui/api/calls', {
        headers: { Authorization: `Bearer ${state.token}`, Accept: 'text/event-stream' },
        cache: 'no-store',
        signal: abort.signal,
      });
      if (response.status === 401) { signOut('Your token is no longer accepted. Sign in again.'); return; }
      if (!response.ok || !response.body) throw new Error(`calls: ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n/g, '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          handleEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (error) {
      if (abort.signal.aborted) return;
    }
    if (abort.signal.aborted || !state.token) return;
    setLive('connecting', 'Reconnecting…');
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function handleEvent(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (event === 'ready') setLive('live', 'Live');
  else if (event === 'lagged') notify('Some calls were missed while the page was busy.');
  else if (event === 'call') {
    try { addCall(JSON.parse(data.join('\n'))); } catch { /* a malformed event is skipped */ }
  }
}

function clock(date) {
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function duration(ms) {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 10000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

function addCall(call) {
  const what = call.tool || call.prompt || call.uri || call.kind;
  const outcome = call.outcome === 'error' && call.error_kind ? `error · ${call.error_kind}` : call.outcome;
  const row = el('tr', { class: 'fresh', dataset: { tool: call.tool || '', server: call.server || '', outcome: call.outcome, workspace: call.workspace } },
    el('td', { class: 'when' }, el('time', { datetime: call.time }, clock(new Date(call.time)))),
    el('td', { class: 'where' }, call.workspace),
    el('td', { class: 'what' }, call.server ? el('span', { class: 'muted' }, `${call.server} / `) : null, el('code', {}, what),
      call.kind !== 'tool' ? el('span', { class: 'by' }, ` (${call.kind})`) : null),
    el('td', { class: 'num' }, duration(call.duration_ms)),
    el('td', { class: 'outcome' }, el('span', { class: `pill ${call.outcome}` }, outcome)));
  const body = $('#calls-body');
  body.prepend(row);
  while (body.children.length > MAX_CALLS) body.lastElementChild.remove();
  $('#calls-empty').hidden = true;
  // A call may have started a stopped server: show its state soon.
  clearTimeout(addCall.refresh);
  addCall.refresh = setTimeout(refreshWorkspaces, 300);
}

// ---- Wiring ----

document.addEventListener('DOMContentLoaded', () => {
  $('#login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = $('#token').value.trim();
    const error = $('#login-error');
    if (!token) {
      error.textContent = 'Enter a token.';
      error.hidden = false;
      return;
    }
    try {
      error.hidden = true;
      await signIn(token);
    } catch (e) {
      error.textContent = e.status === 401
        ? 'This token is not accepted. Check it, or create one with `switchboard token create NAME`.'
        : `Cannot sign in: ${e.message}`;
      error.hidden = false;
      $('#token').select();
    }
  });
  $('#sign-out').addEventListener('click', () => signOut());
  $('#refresh').addEventListener('click', () => refreshWorkspaces());
  $('#search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const query = $('#q').value.trim();
    if (query) search(query);
  });
  $('#target').addEventListener('change', () => { if (state.lastQuery) search(state.lastQuery); });
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved).catch(() => signOut());
  else $('#token').focus();
});
