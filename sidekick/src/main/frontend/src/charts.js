// Charts drawn with Chart.js: alerts over time stacked by priority, and top-N bars. Each chart
// marks its canvas with the number of points drawn (data-points), which the browser tests read.
import { useEffect, useRef } from 'preact/hooks';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { html } from './html.js';
import { COLORS, PRIORITIES } from './api.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);
Chart.defaults.animation = false;
Chart.defaults.font.family = 'system-ui, sans-serif';

function useChart(config, deps) {
  const canvas = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    chart.current = new Chart(canvas.current, config());
    return () => chart.current.destroy();
  }, []);
  useEffect(() => {
    const c = config();
    chart.current.data = c.data;
    chart.current.options = c.options;
    chart.current.update();
    canvas.current.dataset.points = c.data.datasets.reduce((n, d) => n + d.data.filter((v) => v > 0).length, 0);
  }, deps);
  return canvas;
}

function label(ms, bucketSeconds) {
  const d = new Date(ms);
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return bucketSeconds >= 86400 ? d.toLocaleDateString() : bucketSeconds >= 3600 && d.getHours() === 0
    ? `${d.toLocaleDateString()} ${time}` : time;
}

/** Alerts per time bucket, one stacked dataset per priority. */
export function Histogram({ data }) {
  const canvas = useChart(() => {
    const step = (data ? data.bucketSeconds : 3600) * 1000;
    const starts = [];
    if (data) {
      const first = Math.floor(new Date(data.from).getTime() / step) * step;
      for (let t = first; t < new Date(data.until).getTime() && starts.length < 2000; t += step) starts.push(t);
    }
    const index = new Map(starts.map((t, i) => [t, i]));
    const datasets = PRIORITIES.map((p) => ({ label: p, backgroundColor: COLORS[p], data: starts.map(() => 0) }));
    for (const bar of data ? data.bars : []) {
      const i = index.get(new Date(bar.start).getTime());
      if (i !== undefined) datasets[PRIORITIES.indexOf(bar.priority)].data[i] = bar.count;
    }
    return {
      type: 'bar',
      data: { labels: starts.map((t) => label(t, data.bucketSeconds)), datasets: datasets.filter((d) => d.data.some((v) => v > 0)) },
      options: {
        maintainAspectRatio: false,
        scales: { x: { stacked: true, ticks: { maxTicksLimit: 12 } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
      },
    };
  }, [data]);
  return html`<div class="chart wide"><canvas ref=${canvas} data-chart="histogram"></canvas></div>`;
}

/** The most frequent values of one dimension; clicking a bar filters by it. */
export function TopChart({ title, name, counts, onPick }) {
  const canvas = useChart(() => {
    const entries = Object.entries(counts || {});
    return {
      type: 'bar',
      data: {
        labels: entries.map(([k]) => (k.length > 38 ? `${k.slice(0, 36)}…` : k)),
        datasets: [{ label: title, backgroundColor: '#1f6feb', data: entries.map(([, v]) => v) }],
      },
      options: {
        indexAxis: 'y',
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
        onClick: (e, elements) => {
          if (elements.length) onPick(entries[elements[0].index][0]);
        },
      },
    };
  }, [counts]);
  return html`
    <div class="chart">
      <h3>${title}</h3>
      <div class="chart-box"><canvas ref=${canvas} data-chart=${name}></canvas></div>
    </div>
  `;
}
