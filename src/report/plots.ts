import type { TopLevelSpec } from 'vega-lite';
import { join } from 'node:path';
import type { ResultEntry, RunRecord } from '../results/schema.js';
import { writeFileAtomic } from '../util/atomic.js';
import { medianInterval } from './stats.js';
import { heatmapFigure } from './heatmaps.js';
import { metricLabel } from './metric.js';

export interface Plot {
  readonly name: string;
  readonly title: string;
  readonly svg: string;
  readonly png: string;
}

/** Runs on the Pareto front of (low energy, high accuracy): no other run is at least as good on both and better on one. */
export function paretoFront<T extends { energy: number; accuracy: number }>(points: readonly T[]): T[] {
  return points
    .filter((p) => !points.some((q) => q !== p && q.energy <= p.energy && q.accuracy >= p.accuracy && (q.energy < p.energy || q.accuracy > p.accuracy)))
    .sort((a, b) => a.energy - b.energy);
}

function specs(dataset: string, rs: readonly ResultEntry[]): { name: string; title: string; spec: TopLevelSpec }[] {
  const metric = metricLabel(rs);
  // the curves read the validation images (records before the validation split: test)
  const curveMetric = rs.every((r) => r.split.validation !== undefined) ? `${metric.replace(/^test /, '')} on validation` : metric;
  const points = rs.map((r) => ({ runner: r.runner, family: r.family, repeat: r.repeat, energy: r.energy.joules, accuracy: r.accuracy, method: r.energy.method }));
  const front = paretoFront(points);
  const runners = [...new Set(rs.map((r) => r.runner))].sort();
  // every energy axis says how its joules were obtained
  const methods = [...new Set(rs.map((r) => r.energy.method))].sort().join(', ');
  const intervals = new Set<string>();
  const bars = runners.flatMap((runner) => {
    const mine = rs.filter((r) => r.runner === runner);
    const t = medianInterval(mine.map((r) => r.measurement.seconds));
    const e = medianInterval(mine.map((r) => r.energy.joules));
    intervals.add(t.method.replace(/, N=\d+$/, ''));
    return [
      { runner, quantity: 'training seconds', value: t.value, low: t.low, high: t.high },
      { runner, quantity: `energy (J, ${methods})`, value: e.value, low: e.low, high: e.high },
    ];
  });
  const bracket = [...intervals].join('; ');
  const curves = rs.flatMap((r) =>
    r.curve.map((p) => ({ runner: r.runner, repeat: r.repeat, seconds: p.seconds, joules: r.measurement.seconds > 0 ? (r.energy.joules * p.seconds) / r.measurement.seconds : 0, accuracy: p.metric })),
  );
  const common = { width: 420, height: 260, background: 'white', config: { font: 'DejaVu Sans' } } as const;
  const curve = (x: 'seconds' | 'joules', label: string): TopLevelSpec => ({
    ...common,
    title: `${dataset}: ${curveMetric} against training ${label}`,
    data: { values: curves },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: x, type: 'quantitative', title: `training ${label}` },
      y: { field: 'accuracy', type: 'quantitative', title: curveMetric, scale: { zero: false } },
      color: { field: 'runner', type: 'nominal' },
      detail: { field: 'repeat', type: 'nominal' },
    },
  });
  return [
    {
      name: `${dataset}-accuracy-energy`,
      title: `${metric} against energy, each run a point, Pareto front dashed`,
      spec: {
        ...common,
        title: `${dataset}: ${metric} against training energy (Pareto front dashed)`,
        layer: [
          {
            data: { values: front },
            mark: { type: 'line', strokeDash: [4, 4], color: 'gray' },
            encoding: { x: { field: 'energy', type: 'quantitative' }, y: { field: 'accuracy', type: 'quantitative' } },
          },
          {
            data: { values: points },
            mark: { type: 'point', filled: true, size: 80 },
            encoding: {
              x: { field: 'energy', type: 'quantitative', title: `training energy (J, log; ${methods})`, scale: { type: 'log' } },
              y: { field: 'accuracy', type: 'quantitative', title: metric, scale: { zero: false } },
              color: { field: 'runner', type: 'nominal' },
              shape: { field: 'family', type: 'nominal' },
            },
          },
        ],
      },
    },
    {
      name: `${dataset}-time-energy`,
      title: `Training time and energy, medians (bars: ${bracket})`,
      spec: {
        background: 'white',
        config: { font: 'DejaVu Sans' },
        title: `${dataset}: training time and energy (median; bars: ${bracket})`,
        data: { values: bars },
        facet: { column: { field: 'quantity', type: 'nominal', title: null } },
        resolve: { scale: { y: 'independent' } },
        spec: {
          width: 220,
          height: 240,
          layer: [
            { mark: 'bar', encoding: { x: { field: 'runner', type: 'nominal' }, y: { field: 'value', type: 'quantitative', title: null }, color: { field: 'runner', type: 'nominal' } } },
            { mark: { type: 'rule', color: 'black' }, encoding: { x: { field: 'runner', type: 'nominal' }, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } } },
          ],
        },
      },
    },
    { name: `${dataset}-curves-seconds`, title: 'Learning curves against training seconds', spec: curve('seconds', 'seconds') },
    { name: `${dataset}-curves-joules`, title: 'Learning curves against training energy (pro-rated)', spec: curve('joules', `energy (J, pro-rated; ${methods})`) },
  ];
}

/**
 * The renderers, loaded on the first plot: vega, vega-lite and resvg take ~0.5 s to import,
 * which every command paid at start-up when they were imported at the top (an error for a bad
 * flag included), though only the report draws.
 */
const renderers = async () => {
  const [{ Resvg }, vega, { compile }] = await Promise.all([import('@resvg/resvg-js'), import('vega'), import('vega-lite')]);
  return { Resvg, vega, compile };
};

async function render(spec: TopLevelSpec): Promise<{ svg: string; png: Buffer }> {
  const { Resvg, vega, compile } = await renderers();
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'zoom', value: 2 } }).render().asPng();
  return { svg, png };
}

/** Renders specs as SVG and PNG under `dir` (the sweep's plots); returns their names and titles. */
export async function writeSpecs(list: readonly { name: string; title: string; spec: TopLevelSpec }[], dir: string): Promise<Plot[]> {
  const plots: Plot[] = [];
  for (const p of list) {
    const { svg, png } = await render(p.spec);
    writeFileAtomic(join(dir, `${p.name}.svg`), svg);
    writeFileAtomic(join(dir, `${p.name}.png`), png);
    plots.push({ name: p.name, title: p.title, svg: `${p.name}.svg`, png: `${p.name}.png` });
  }
  return plots;
}

/** Writes every plot of the record as SVG and PNG under `dir`; returns their names and titles. */
export async function writePlots(record: RunRecord, dir: string): Promise<Plot[]> {
  const plots: Plot[] = [];
  for (const dataset of [...new Set(record.results.map((r) => r.dataset))].sort()) {
    for (const p of specs(dataset, record.results.filter((r) => r.dataset === dataset))) {
      const { svg, png } = await render(p.spec);
      writeFileAtomic(join(dir, `${p.name}.svg`), svg);
      writeFileAtomic(join(dir, `${p.name}.png`), png);
      plots.push({ name: p.name, title: p.title, svg: `${p.name}.svg`, png: `${p.name}.png` });
    }
    // heat maps of the first repeat of every detector of the dataset
    const detectors = [...new Set(record.results.map((r) => r.runner))].sort().flatMap((runner) => {
      const r = record.results.find((x) => x.dataset === dataset && x.runner === runner && x.heatmaps);
      return r?.heatmaps ? [{ runner, heatmaps: r.heatmaps }] : [];
    });
    const figure = await heatmapFigure(dataset, detectors);
    if (figure) {
      const name = `${dataset}-heatmaps`;
      writeFileAtomic(join(dir, `${name}.svg`), figure.svg);
      writeFileAtomic(join(dir, `${name}.png`), figure.png);
      plots.push({ name, title: 'Test images, true defect masks and each detector\'s heat map', svg: `${name}.svg`, png: `${name}.png` });
    }
  }
  return plots;
}
