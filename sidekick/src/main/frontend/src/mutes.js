// Mutes: what they hold back, until when, and the same as a Falco rules file.
import { useState } from 'preact/hooks';
import { html } from './html.js';
import { get, send, usePoll, when } from './api.js';

export function MutesView({ me }) {
  const [tick, setTick] = useState(0);
  const [mutes, error] = usePoll(() => get('api/mutes'), [tick], 5000);
  const admin = me.roles.includes('admin');
  const remove = (id) => send('DELETE', `api/mutes/${encodeURIComponent(id)}`).then(() => setTick((t) => t + 1));
  const now = Date.now();
  return html`
    <section class="page">
      <h1>Mutes</h1>
      <p class="hint">
        Alerts a mute matches are accepted and stored but not delivered. The same exceptions as a Falco rules file
        (load it after the rules it amends): <a class="download" href="api/mutes/falco-rules.yaml" download
          >peregrine-mutes.yaml</a
        >
      </p>
      ${error && html`<p class="error">${error.message}</p>`}
      ${mutes && !mutes.length && html`<p class="empty">Nothing is muted.</p>`}
      ${mutes && mutes.length > 0 &&
      html`<table class="grid mutes">
        <thead>
          <tr><th>Rule</th><th>Where</th><th>Held back</th><th>Expires</th><th>Comment</th><th>By</th><th></th></tr>
        </thead>
        <tbody>
          ${mutes.map(
            (m) => html`<tr data-mute=${m.id} class=${m.expiresAt && new Date(m.expiresAt) < now ? 'expired' : ''}>
              <td>${m.rule}</td>
              <td>${Object.entries(m.fields).map(([k, v]) => html`<code class="tag">${k}=${v}</code> `)}</td>
              <td class="num hits">${m.hits}</td>
              <td>${m.expiresAt ? when(m.expiresAt) : 'never'}</td>
              <td>${m.comment}</td>
              <td>${m.createdBy}</td>
              <td>${admin && html`<button class="link" onClick=${() => remove(m.id)}>Delete</button>`}</td>
            </tr>`,
          )}
        </tbody>
      </table>`}
    </section>
  `;
}
