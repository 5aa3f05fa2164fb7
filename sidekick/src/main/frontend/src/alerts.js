// The alerts view: counts, charts, filters and the live list, with one alert's detail beside it.
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { COLORS, PRIORITIES, get, navigate, when } from './api.js';
import { FilterBar, addParam, apiParams } from './filters.js';
import { Histogram, TopChart } from './charts.js';
import { Detail } from './detail.js';
import { useLive } from './live.js';
import { StoreWarning } from './store.js';

const PAGE = 50;

function useAlertsData(params, tick) {
  const key = apiParams(params).toString();
  const [data, setData] = useState({});
  const [error, setError] = useState(null);
  useEffect(() => {
    let live = true;
    const q = apiParams(params);
    const counts = (by, top, without) => {
      const p = apiParams(params, without);
      p.set('by', by);
      p.set('top', top);
      return get('api/alerts/counts', p).then((r) => r.counts);
    };
    const page = new URLSearchParams(q);
    page.set('limit', PAGE);
    Promise.all([
      get('api/alerts', page),
      get('api/alerts/summary', new URLSearchParams([...q].filter(([k]) => k !== 'since' && k !== 'from'))),
      get('api/alerts/histogram', q),
      counts('rule', 8),
      counts('hostname', 8),
      counts('container', 8),
      counts('namespace', 8),
      counts('rule', 200, 'rule'),
      counts('hostname', 200, 'hostname'),
    ]).then(
      ([list, summary, histogram, rules, hosts, containers, namespaces, ruleOptions, hostOptions]) => {
        if (!live) return;
        setError(null);
        setData({ list, summary, histogram, rules, hosts, containers, namespaces, options: { rule: ruleOptions, hostname: hostOptions } });
      },
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [key, tick]);
  return [data, error, setData];
}

export function AlertsView({ params, me }) {
  const [tick, up] = useLive();
  const [data, error, setData] = useAlertsData(params, tick);
  const [more, setMore] = useState([]);
  const [nextCursor, setNextCursor] = useState(null);
  useEffect(() => {
    setMore([]);
    setNextCursor(data.list ? data.list.nextCursor : null);
  }, [data.list]);
  const loadMore = () => {
    const p = apiParams(params);
    p.set('limit', PAGE);
    p.set('cursor', nextCursor);
    p.set('total', 'false');
    get('api/alerts', p).then((r) => {
      setMore((m) => [...m, ...r.alerts]);
      setNextCursor(r.nextCursor);
    });
  };
  const selected = params.get('alert');
  const pick = (name) => (value) => addParam(params, name, value);
  const rows = data.list ? [...data.list.alerts, ...more] : [];
  return html`
    <div class=${`alerts ${selected ? 'with-detail' : ''}`}>
      <div class="main-col">
        <${Summary} summary=${data.summary} up=${up} />
        <${StoreWarning} />
        <${FilterBar} params=${params} options=${data.options || {}} />
        ${error && html`<p class="error">${error.message}</p>`}
        <section class="charts">
          <${Histogram} data=${data.histogram} />
          <${TopChart} title="Top rules" name="rules" counts=${data.rules} onPick=${pick('rule')} />
          <${TopChart} title="Top hosts" name="hosts" counts=${data.hosts} onPick=${pick('hostname')} />
          <${TopChart} title="Top containers" name="containers" counts=${data.containers} onPick=${pick('container')} />
          <${TopChart} title="Top namespaces" name="namespaces" counts=${data.namespaces} onPick=${pick('namespace')} />
        </section>
        <section class="list">
          <h2>
            Alerts ${data.list && html`<span class="count" data-total=${data.list.total}>${data.list.total}${data.list.totalIsMore ? '+' : ''} matching</span>`}
          </h2>
          <${AlertTable} rows=${rows} params=${params} selected=${selected} />
          ${nextCursor && html`<button class="more" onClick=${loadMore}>Older alerts</button>`}
        </section>
      </div>
      ${selected &&
      html`<${Detail}
        uuid=${selected}
        me=${me}
        onClose=${() => {
          const p = new URLSearchParams(params);
          p.delete('alert');
          navigate('', p);
        }}
      />`}
    </div>
  `;
}

function Summary({ summary, up }) {
  const w = (label, name) => {
    const s = summary && summary[name];
    return html`
      <div class="card" data-window=${name}>
        <div class="big">${s ? s.total : '…'}</div>
        <div class="small">${label}</div>
        <div class="prios">
          ${s &&
          PRIORITIES.filter((p) => s.byPriority[p]).map(
            (p) => html`<span class="dot" style=${`--prio:${COLORS[p]}`} title=${p}>${s.byPriority[p]}</span>`,
          )}
        </div>
      </div>
    `;
  };
  return html`
    <section class="summary">
      ${w('alerts in the last hour', 'lastHour')} ${w('alerts in the last 24 hours', 'lastDay')}
      <div class=${`live ${up ? 'up' : 'down'}`} data-live=${up ? 'up' : 'down'}>
        ${up ? '● live' : '○ reconnecting'}
      </div>
    </section>
  `;
}

function fields(body) {
  return body.output_fields || {};
}

function AlertTable({ rows, params, selected }) {
  const open = (uuid) => {
    const p = new URLSearchParams(params);
    p.set('alert', uuid);
    navigate('', p);
  };
  if (!rows.length) return html`<p class="empty">No alerts match.</p>`;
  return html`
    <table class="alerts-table">
      <thead>
        <tr><th>Time</th><th>Priority</th><th>Rule</th><th>Host</th><th>Container / pod</th><th>Output</th></tr>
      </thead>
      <tbody>
        ${rows.map((r) => {
          const a = r.alert;
          const f = fields(a);
          const where = [f['container.name'] !== 'host' ? f['container.name'] : null, f['k8s.pod.name']]
            .filter(Boolean)
            .join(' / ');
          return html`
            <tr
              key=${r.id}
              class=${`${selected === a.uuid ? 'selected' : ''} ${r.muted ? 'muted' : ''}`}
              data-uuid=${a.uuid}
              data-rule=${a.rule}
              data-priority=${a.priority}
              onClick=${() => open(a.uuid)}
            >
              <td class="time">${when(a.time)}</td>
              <td><span class="badge" style=${`--prio:${COLORS[a.priority]}`}>${a.priority}</span></td>
              <td>${a.rule}${r.muted && html` <span class="tag">muted</span>`}</td>
              <td>${a.hostname}</td>
              <td>${where}</td>
              <td class="output">${a.output}</td>
            </tr>
          `;
        })}
      </tbody>
    </table>
  `;
}
