// The alert filters: each a URL parameter of the alerts view, the same names as the API's.
import { useState } from 'preact/hooks';
import { html } from './html.js';
import { COLORS, PRIORITIES, navigate } from './api.js';

export const DIMENSIONS = ['rule', 'hostname', 'source', 'tags', 'container', 'image', 'namespace', 'pod'];
const SINCE = [['15min', '15 min'], ['1h', '1 hour'], ['24h', '24 hours'], ['7d', '7 days'], ['30d', '30 days']];

/** The API query for the view's URL parameters (the detail view's `alert` left out). */
export function apiParams(params, without) {
  const p = new URLSearchParams();
  for (const [k, v] of params) {
    if (k !== 'alert' && k !== without) p.append(k, v);
  }
  if (!p.has('since') && !p.has('from')) p.set('since', '24h');
  return p;
}

export function setParam(params, name, values) {
  const p = new URLSearchParams(params);
  p.delete(name);
  p.delete('alert');
  for (const v of [].concat(values)) if (v !== null && v !== undefined && v !== '') p.append(name, v);
  navigate('', p);
}

export function addParam(params, name, value) {
  const current = params.getAll(name);
  if (!current.includes(value)) setParam(params, name, [...current, value]);
}

export function FilterBar({ params, options }) {
  const [text, setText] = useState(params.get('q') || '');
  const priorities = params.getAll('priority');
  const toggle = (p) =>
    setParam(params, 'priority', priorities.includes(p) ? priorities.filter((x) => x !== p) : [...priorities, p]);
  const chips = [];
  for (const d of DIMENSIONS) for (const v of params.getAll(d)) chips.push([d, v]);
  return html`
    <section class="filters">
      <div class="row">
        <span class="label">Priority</span>
        ${PRIORITIES.map(
          (p) => html`<button
            class=${`chip prio ${priorities.includes(p) ? 'on' : ''}`}
            style=${priorities.includes(p) ? `--prio:${COLORS[p]}` : ''}
            data-priority=${p}
            onClick=${() => toggle(p)}
          >
            ${p}
          </button>`,
        )}
      </div>
      <div class="row">
        <${Picker} label="Rule" name="rule" params=${params} options=${options.rule} />
        <${Picker} label="Host" name="hostname" params=${params} options=${options.hostname} />
        <form
          class="search"
          onSubmit=${(e) => {
            e.preventDefault();
            setParam(params, 'q', text.trim());
          }}
        >
          <input
            type="search"
            name="q"
            placeholder="Search output and fields…"
            value=${text}
            onInput=${(e) => setText(e.target.value)}
          />
          <button type="submit">Search</button>
        </form>
        <select name="since" value=${params.get('since') || '24h'} onChange=${(e) => setParam(params, 'since', e.target.value)}>
          ${SINCE.map(([v, l]) => html`<option value=${v}>Last ${l}</option>`)}
        </select>
        <select
          name="muted"
          value=${params.get('muted') || ''}
          onChange=${(e) => setParam(params, 'muted', e.target.value)}
        >
          <option value="">Muted and not</option>
          <option value="false">Not muted</option>
          <option value="true">Muted only</option>
        </select>
      </div>
      ${chips.length > 0 &&
      html`<div class="row active">
        ${chips.map(
          ([d, v]) => html`<button
            class="chip on"
            title="Remove this filter"
            onClick=${() => setParam(params, d, params.getAll(d).filter((x) => x !== v))}
          >
            ${d}: ${v} ✕
          </button>`,
        )}
      </div>`}
    </section>
  `;
}

/** A select of the values seen (most frequent first) for one dimension. */
function Picker({ label, name, params, options }) {
  const chosen = params.getAll(name);
  const values = Object.keys(options || {});
  return html`
    <select
      name=${name}
      aria-label=${label}
      value=""
      onChange=${(e) => e.target.value && addParam(params, name, e.target.value)}
    >
      <option value="">${label}${chosen.length ? ` (${chosen.length})` : ''}…</option>
      ${values.filter((v) => !chosen.includes(v)).map((v) => html`<option value=${v}>${v} (${options[v]})</option>`)}
    </select>
  `;
}
