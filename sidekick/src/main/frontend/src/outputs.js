// Delivery health per output, and the alert store's.
import { html } from './html.js';
import { ago, get, usePoll } from './api.js';
import { StoreStatus } from './store.js';

export function OutputsView() {
  const [outputs, error] = usePoll(() => get('api/outputs'), [], 5000);
  return html`
    <section class="page">
      <h1>Outputs</h1>
      ${error && html`<p class="error">${error.message}</p>`}
      <table class="grid outputs">
        <thead>
          <tr>
            <th>Output</th><th>Type</th><th>Circuit</th><th>Waiting</th><th>Oldest waiting</th>
            <th>Delivered</th><th>Failed</th><th>Retried</th><th>Dead</th><th>Last error</th>
          </tr>
        </thead>
        <tbody>
          ${(outputs || []).map(
            (o) => html`<tr data-output=${o.name}>
              <td>${o.name}</td>
              <td>${o.type}</td>
              <td><span class=${`state ${o.circuit.toLowerCase()}`}>${o.circuit.toLowerCase().replace('_', '-')}</span></td>
              <td class="num">${o.waiting}</td>
              <td>${o.oldestWaiting ? ago(o.oldestWaiting) : '—'}</td>
              <td class="num">${o.delivered}</td>
              <td class="num">${o.failed}</td>
              <td class="num">${o.retried}</td>
              <td class="num">${o.dead}</td>
              <td>${o.lastError ? html`<span title=${o.lastError}>${ago(o.lastErrorAt)}: ${o.lastError}</span>` : '—'}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      <${StoreStatus} />
    </section>
  `;
}
