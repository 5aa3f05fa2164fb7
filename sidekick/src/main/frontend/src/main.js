import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { csrfToken, get, navigate, useRoute } from './api.js';
import { AlertsView } from './alerts.js';
import { OutputsView } from './outputs.js';
import { DetectorsView } from './detectors.js';
import { MutesView } from './mutes.js';
import './style.css';

const VIEWS = [
  ['', 'Alerts', AlertsView],
  ['outputs', 'Outputs', OutputsView],
  ['detectors', 'Detectors', DetectorsView],
  ['mutes', 'Mutes', MutesView],
];

/** Who is logged in and what they may do; without security configured, anyone may do all. */
function useMe() {
  const [me, setMe] = useState({ name: '', roles: ['admin'] });
  useEffect(() => {
    get('api/me').then(setMe, () => {});
  }, []);
  return me;
}

function Header({ view, me }) {
  return html`
    <header class="top">
      <a class="brand" href="./" onClick=${(e) => go(e, '')}>Peregrine</a>
      <nav>
        ${VIEWS.map(
          ([path, label]) =>
            html`<a href=${path || './'} class=${view === path ? 'active' : ''} onClick=${(e) => go(e, path)}
              >${label}</a
            >`,
        )}
      </nav>
      <span class="me">
        ${me.name && html`<span class="user">${me.name}</span>`}
        ${me.name &&
        html`<button class="link logout" onClick=${logout}>Log out</button>`}
      </span>
    </header>
  `;
}

/** POST logout with the CSRF token in its header (where the page's token is accepted), then to the login. */
function logout() {
  const token = csrfToken();
  fetch('logout', { method: 'POST', headers: token ? { 'X-XSRF-TOKEN': token } : {} }).finally(() => {
    location.href = 'login?logout';
  });
}

function go(e, path) {
  if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(path, null);
}

function App() {
  const { view, params } = useRoute();
  const me = useMe();
  const found = VIEWS.find(([path]) => path === view) || VIEWS[0];
  const View = found[2];
  return html`
    <${Header} view=${found[0]} me=${me} />
    <main><${View} params=${params} me=${me} /></main>
  `;
}

render(html`<${App} />`, document.getElementById('app'));
