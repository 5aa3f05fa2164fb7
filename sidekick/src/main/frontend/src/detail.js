// One alert: every field, tags, delivery per output, and muting it.
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { COLORS, get, send, when } from './api.js';

/** The fields offered first when muting: what usually tells a noisy source apart. */
const SUGGESTED = ['container.image.repository', 'proc.name', 'k8s.ns.name'];
const EXPIRY = [['1h', 3600], ['24h', 86400], ['7 days', 7 * 86400], ['30 days', 30 * 86400], ['never', 0]];

export function Detail({ uuid, me, onClose }) {
  const [d, setD] = useState(null);
  const [error, setError] = useState(null);
  const [muting, setMuting] = useState(false);
  useEffect(() => {
    setD(null);
    setMuting(false);
    get(`api/alerts/${encodeURIComponent(uuid)}`).then(setD, setError);
  }, [uuid]);
  if (error) return html`<aside class="detail"><button class="close" onClick=${onClose}>✕</button><p class="error">${error.message}</p></aside>`;
  if (!d) return html`<aside class="detail"><p>Loading…</p></aside>`;
  const a = d.alert;
  const fields = a.output_fields || {};
  const admin = me.roles.includes('admin');
  return html`
    <aside class="detail" data-uuid=${a.uuid}>
      <button class="close" title="Close" onClick=${onClose}>✕</button>
      <h2><span class="badge" style=${`--prio:${COLORS[a.priority]}`}>${a.priority}</span> ${a.rule}</h2>
      <p class="meta">${when(a.time)} · ${a.hostname || 'no hostname'} · source ${a.source}</p>
      <pre class="output-text">${a.output}</pre>
      ${d.muted && html`<p class="muted-note">Held back from every output by mute ${d.muted}.</p>`}
      <h3>Delivery</h3>
      <table class="kv delivery">
        ${Object.keys(d.delivery).length === 0 && html`<tr><td colspan="2">Routed to no output.</td></tr>`}
        ${Object.entries(d.delivery).map(
          ([o, s]) => html`<tr data-output=${o}><td>${o}</td><td class=${`state ${s.split(':')[0]}`}>${s}</td></tr>`,
        )}
      </table>
      <h3>Tags</h3>
      <p>${(a.tags || []).map((t) => html`<span class="tag">${t}</span> `)}</p>
      <h3>Fields</h3>
      <table class="kv fields">
        ${Object.entries(fields).map(
          ([k, v]) => html`<tr><td>${k}</td><td>${v === null ? html`<em>null</em>` : String(v)}</td></tr>`,
        )}
      </table>
      ${admin && !muting && html`<button class="mute" onClick=${() => setMuting(true)}>Mute alerts like this…</button>`}
      ${muting && html`<${MuteForm} alert=${a} onDone=${() => setMuting(false)} />`}
    </aside>
  `;
}

function MuteForm({ alert, onDone }) {
  const fields = alert.output_fields || {};
  const names = Object.keys(fields).filter((k) => fields[k] !== null && typeof fields[k] !== 'object');
  const [chosen, setChosen] = useState(() => new Set(SUGGESTED.filter((k) => names.includes(k) && fields[k] !== '')));
  const [expiry, setExpiry] = useState(86400);
  const [comment, setComment] = useState('');
  const [result, setResult] = useState(null);
  const flip = (k) => {
    const s = new Set(chosen);
    s.has(k) ? s.delete(k) : s.add(k);
    setChosen(s);
  };
  const submit = (e) => {
    e.preventDefault();
    const chosenFields = {};
    for (const k of chosen) chosenFields[k] = String(fields[k]);
    send('POST', 'api/mutes', {
      rule: alert.rule,
      fields: chosenFields,
      comment,
      expiresAt: expiry ? new Date(Date.now() + expiry * 1000).toISOString() : null,
    }).then((m) => setResult({ ok: `Muted (${m.id}). New alerts like this are counted on the Mutes page, not delivered.` }), (err) => setResult({ error: err.message }));
  };
  if (result && result.ok) return html`<p class="ok" data-muted="true">${result.ok} <button class="link" onClick=${onDone}>OK</button></p>`;
  const ordered = [...SUGGESTED.filter((k) => names.includes(k)), ...names.filter((k) => !SUGGESTED.includes(k))];
  return html`
    <form class="mute-form" onSubmit=${submit}>
      <h3>Mute “${alert.rule}” where</h3>
      ${ordered.map(
        (k) => html`<label class="field-choice">
          <input type="checkbox" name="field" value=${k} checked=${chosen.has(k)} onChange=${() => flip(k)} />
          <code>${k}</code> = <code>${String(fields[k])}</code>
        </label>`,
      )}
      <label>Expires after
        <select name="expiry" value=${expiry} onChange=${(e) => setExpiry(Number(e.target.value))}>
          ${EXPIRY.map(([l, s]) => html`<option value=${s}>${l}</option>`)}
        </select>
      </label>
      <label>Comment <input name="comment" value=${comment} onInput=${(e) => setComment(e.target.value)} placeholder="why this is expected" /></label>
      ${result && result.error && html`<p class="error">${result.error}</p>`}
      <button type="submit" disabled=${chosen.size === 0}>Mute</button>
      <button type="button" class="link" onClick=${onDone}>Cancel</button>
    </form>
  `;
}
