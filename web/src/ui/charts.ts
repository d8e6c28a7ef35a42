import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Title, Tooltip } from 'chart.js';
import type { MetricsRecord } from '../../../bench/runlog';
import { taskOrder } from '../../../pathways';
import { byId } from './dom';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Title, Tooltip);

const METRICS = [
  ['answer_acc', 'Answer acc', '#3867d6'],
  ['attribute_f1', 'Attribute F1', '#20bf6b'],
  ['value_f1', 'Value F1', '#f7b731'],
  ['relative_value_acc', 'Rel. value acc', '#eb3b5a'],
] as const;

const charts = new Map<string, Chart>();

function draw(id: string, labels: string[], datasets: { label: string; data: number[]; backgroundColor: string }[], title: string): void {
  charts.get(id)?.destroy();
  const chart = new Chart(byId<HTMLCanvasElement>(id), {
    type: 'bar',
    data: { labels, datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { y: { min: 0, max: 100, title: { display: true, text: 'mean × 100' } } },
      plugins: { title: { display: true, text: title } },
    },
  });
  charts.set(id, chart);
}

/** Per-task bars of the four metrics, and the overall means, of the run's one pathway. */
export function renderCharts(metrics: MetricsRecord): void {
  const [pathway, p] = Object.entries(metrics.pathways)[0] ?? [];
  if (!p) return;
  const tasks = Object.keys(p.tasks).sort((a, b) => taskOrder(a) - taskOrder(b));
  draw(
    'chart-tasks',
    tasks,
    METRICS.map(([k, label, color]) => ({ label, backgroundColor: color, data: tasks.map((t) => p.tasks[t].mean[k] * 100) })),
    `Per task (${pathway})`,
  );
  draw(
    'chart-overall',
    METRICS.map(([, label]) => label),
    [{ label: `${pathway}, ${p.overall.count} item(s)`, backgroundColor: '#4b7bec', data: METRICS.map(([k]) => p.overall.mean[k] * 100) }],
    'Overall',
  );
}
