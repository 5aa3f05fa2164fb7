// The detectors reporting to this sidekick (in kafka mode, to any replica: d.replica says which).
import { html } from './html.js';
import { ago, get, usePoll } from './api.js';

function state(d) {
  if (d.down) return ['down', 'down'];
  return d.connected ? ['up', 'up'] : ['idle', 'disconnected'];
}

export function DetectorsView() {
  const [fleet, error] = usePoll(() => get('api/detectors'), [], 5000);
  const detectors = fleet ? fleet.detectors : [];
  return html`
    <section class="page">
      <h1>Detectors</h1>
      ${fleet && html`<p class="hint">A detector silent for more than ${fleet.downAfterSeconds} s is down, and an alert says so.</p>`}
      ${error && html`<p class="error">${error.message}</p>`}
      ${fleet && !detectors.length && html`<p class="empty">No detector has reported to this sidekick yet.</p>`}
      ${detectors.length > 0 &&
      html`<table class="grid detectors">
        <thead>
          <tr>
            <th>State</th><th>Hostname</th><th>Node</th><th>Cluster</th><th>Version</th><th>Rules</th>
            <th>Last seen</th><th>Events/s</th><th>Kernel drops</th><th>Node spool</th>
          </tr>
        </thead>
        <tbody>
          ${detectors.map((d) => {
            const [cls, label] = state(d);
            return html`<tr data-detector=${d.id}>
              <td><span class=${`state ${cls}`}>${label}</span>${d.replica && html` <small>to ${d.replica}</small>`}</td>
              <td>${d.hostname}</td>
              <td>${d.node || '—'}</td>
              <td>${d.cluster || '—'}</td>
              <td>${d.version || '—'}</td>
              <td class="num">${d.rulesLoaded}</td>
              <td>${ago(d.lastSeen)}</td>
              <td class="num">${Math.round(d.eventsPerSecond)}</td>
              <td class="num">${d.kernelDrops}</td>
              <td class="num">${d.spoolAlerts}</td>
            </tr>`;
          })}
        </tbody>
      </table>`}
    </section>
  `;
}
