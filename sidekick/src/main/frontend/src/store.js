// The alert store's state: engine, size, oldest alert and retention, its queue, and the accepted
// alerts it left out. Those were delivered but are missing from this page's lists and counts, so
// when there are any it says so in a warning, per reason with the setting that lets the queue hold
// more (from GET api/store, which names them).
import { html } from './html.js';
import { ago, get, navigate, usePoll } from './api.js';

const WHY = {
  queue_alerts: 'its queue was full (of alerts)',
  queue_bytes: 'its queue was full (of bytes)',
  failed: 'the store refused them',
};

export function bytes(n) {
  if (n == null) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

function duration(seconds) {
  if (seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  return `${Math.round(seconds / 60)} min`;
}

/** Alerts left out of the store so far, all reasons. */
export function leftOutTotal(store) {
  return store ? Object.values(store.leftOut || {}).reduce((n, v) => n + v, 0) : 0;
}

/** What a reason's count means and what to do about it. */
function remedy(store, reason) {
  const setting = (store.leftOutSettings || {})[reason];
  if (!setting) return html`see the sidekick's log for the store's error`;
  const now = reason === 'queue_bytes' ? bytes(store.queueLimitBytes) : store.queueLimit;
  return html`raise <code>${setting}</code> (now ${now}), or give the store a faster disk`;
}

function LeftOut({ store }) {
  const reasons = Object.entries(store.leftOut || {}).filter(([, n]) => n > 0);
  return html`
    <ul class="left-out">
      ${reasons.map(
        ([reason, n]) => html`<li data-reason=${reason} data-count=${n}>
          <b>${n}</b> because ${WHY[reason] || reason}: ${remedy(store, reason)}
        </li>`,
      )}
    </ul>
  `;
}

/** The store's section of the Outputs view. */
export function StoreStatus() {
  const [store, error] = usePoll(() => get('api/store'), [], 5000);
  if (error && !store) return html`<p class="error">${error.message}</p>`;
  if (!store) return null;
  const left = leftOutTotal(store);
  return html`
    <section class=${`store ${left > 0 ? 'warn' : ''}`} data-left-out=${left}>
      <h2>Alert store</h2>
      ${left > 0 &&
      html`<p class="store-warning">
          <b>${left}</b> accepted alert${left === 1 ? ' was' : 's were'} delivered but left out of the store: they are
          missing from the alerts, counts and charts here.
        </p>
        <${LeftOut} store=${store} />`}
      <table class="grid store-facts">
        <tbody>
          <tr><td>Engine</td><td>${store.type} <code>${store.location}</code></td></tr>
          <tr><td>Size</td><td>${bytes(store.usedBytes)} of at most ${bytes(store.maxSizeBytes)}</td></tr>
          <tr>
            <td>Oldest alert</td>
            <td>${store.oldest ? ago(store.oldest) : '—'}, kept at most ${duration(store.maxAgeSeconds)}</td>
          </tr>
          <tr data-queued=${store.queued}>
            <td>Waiting to be written</td>
            <td>${`${store.queued} of at most ${store.queueLimit} alerts, ${bytes(store.queuedBytes)} of at most ${bytes(store.queueLimitBytes)}`}</td>
          </tr>
          <tr><td>Left out</td><td class=${left > 0 ? 'error' : 'ok'}>${left}</td></tr>
        </tbody>
      </table>
    </section>
  `;
}

/** Above the alerts: a warning that they are incomplete, while the store has left any out. */
export function StoreWarning() {
  const [store] = usePoll(() => get('api/store'), [], 30000);
  const left = leftOutTotal(store);
  if (left === 0) return null;
  return html`
    <p class="store-warning banner" data-left-out=${left}>
      <b>${left}</b> accepted alert${left === 1 ? ' was' : 's were'} delivered but left out of the store, so this
      view lacks ${left === 1 ? 'it' : 'them'}. ${store.queued} waiting to be written.${' '}
      <a
        href="outputs"
        onClick=${(e) => {
          e.preventDefault();
          navigate('outputs', null);
        }}
        >Why, and what to raise</a
      >
    </p>
  `;
}
