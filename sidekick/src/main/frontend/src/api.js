// Talking to the sidekick: relative URLs only, resolved against <base href> (the sidekick sets it
// to its context path, with a proxy's X-Forwarded-Prefix), so the page works under any prefix.
import { useEffect, useState } from 'preact/hooks';

export const base = new URL(document.baseURI).pathname;

/** The CSRF token Spring Security keeps in a cookie readable by the page, for state-changing calls. */
export function csrfToken() {
  const m = document.cookie.match(/(?:^|; )XSRF-TOKEN=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : null;
}

async function answer(r) {
  if (r.status === 401) {
    // the session ended: log in again, and come back to this view
    location.href = 'login';
    throw new Error('logged out');
  }
  if (!r.ok) {
    const body = await r.json().catch(() => ({}));
    throw new Error(body.error || body.message || `${r.status} ${r.statusText}`);
  }
  return r.status === 204 ? null : JSON.parse(await r.text(), exact);
}

/**
 * Falco's nanosecond timestamps (evt.time) are integers above 2^53, which a JavaScript number
 * rounds: those are kept as their exact text (JSON.parse's source access).
 */
function exact(key, value, context) {
  return typeof value === 'number' && !Number.isSafeInteger(value) && context && context.source && !/[.eE]/.test(context.source)
    ? context.source
    : value;
}

export async function get(path, params) {
  const q = params ? params.toString() : '';
  const r = await fetch(q ? `${path}?${q}` : path, { headers: { Accept: 'application/json' } });
  return answer(r);
}

export async function send(method, path, body) {
  const headers = { Accept: 'application/json' };
  const token = csrfToken();
  if (token) headers['X-XSRF-TOKEN'] = token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return answer(r);
}

// The view and its filters live in the URL (path + query), so a view can be shared and the
// back button works.
const listeners = new Set();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

export function route() {
  const view = location.pathname.startsWith(base) ? location.pathname.slice(base.length) : '';
  return { view, params: new URLSearchParams(location.search) };
}

export function navigate(view, params, replace = false) {
  const q = params ? params.toString() : '';
  const url = base + view + (q ? `?${q}` : '');
  if (url !== location.pathname + location.search) {
    history[replace ? 'replaceState' : 'pushState'](null, '', url);
  }
  listeners.forEach((l) => l());
}

export function useRoute() {
  const [, tick] = useState(0);
  useEffect(() => {
    const l = () => tick((x) => x + 1);
    listeners.add(l);
    return () => listeners.delete(l);
  }, []);
  return route();
}

/** Re-runs load() when deps change and every `every` ms; returns [data, error]. */
export function usePoll(load, deps, every) {
  const [state, setState] = useState([null, null]);
  useEffect(() => {
    let live = true;
    const run = () => load().then((d) => live && setState([d, null]), (e) => live && setState((s) => [s[0], e]));
    run();
    const t = every ? setInterval(run, every) : null;
    return () => {
      live = false;
      if (t) clearInterval(t);
    };
  }, deps);
  return state;
}

export const PRIORITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'];

export const COLORS = {
  Emergency: '#7f1d1d',
  Alert: '#b91c1c',
  Critical: '#dc2626',
  Error: '#ea580c',
  Warning: '#d97706',
  Notice: '#2563eb',
  Informational: '#0d9488',
  Debug: '#6b7280',
};

export function ago(iso) {
  if (!iso) return '—';
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return `${Math.max(s, 0)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function when(iso) {
  const d = new Date(iso);
  return `${d.toLocaleDateString()} ${d.toLocaleTimeString()}`;
}
