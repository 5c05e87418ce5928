/**
 * Geometry of the console's charts, rendered as inline SVG by the templates (escaped like any other value). Hand
 * made on purpose: two bar charts do not justify shipping a charting library and its script to the browser, and
 * server-side SVG works without JavaScript and under the console's strict Content-Security-Policy.
 */

export interface Bar {
  label: string;
  count: number;
  x: number;
  y: number;
  w: number;
  h: number;
  /** CSS class: "ok" (pipeline), "bad" (ERRORED), "off" (ABORTED), "done" (COMPLETE). */
  cls: string;
}

export interface FunnelChart {
  width: number;
  height: number;
  labelWidth: number;
  rowHeight: number;
  bars: Bar[];
  /** y of the line between the pipeline and the ERRORED/ABORTED rows. */
  separatorY?: number;
}

const FUNNEL_WIDTH = 760;
const LABEL_WIDTH = 210;
const COUNT_WIDTH = 70;
const ROW = 26;

/**
 * A funnel: one centred bar per state in pipeline order (width ∝ learners now in it), then ERRORED and ABORTED
 * apart, below a line. A state with learners always gets a visible bar.
 */
export function funnelChart(pipeline: Array<{ label: string; count: number }>, outcomes: Array<{ label: string; count: number; cls: string }>): FunnelChart {
  const area = FUNNEL_WIDTH - LABEL_WIDTH - COUNT_WIDTH;
  const max = Math.max(1, ...pipeline.map((p) => p.count), ...outcomes.map((o) => o.count));
  const width = (count: number) => (count === 0 ? 0 : Math.max(3, Math.round((count / max) * area)));
  const bars: Bar[] = pipeline.map((p, i) => {
    const w = width(p.count);
    return { label: p.label, count: p.count, x: LABEL_WIDTH + Math.round((area - w) / 2), y: i * ROW + 4, w, h: ROW - 8, cls: p.label === "COMPLETE" ? "done" : "ok" };
  });
  const gap = outcomes.length > 0 ? 14 : 0;
  const top = pipeline.length * ROW + gap;
  outcomes.forEach((o, i) => {
    const w = width(o.count);
    bars.push({ label: o.label, count: o.count, x: LABEL_WIDTH + Math.round((area - w) / 2), y: top + i * ROW + 4, w, h: ROW - 8, cls: o.cls });
  });
  return {
    width: FUNNEL_WIDTH,
    height: top + outcomes.length * ROW,
    labelWidth: LABEL_WIDTH,
    rowHeight: ROW,
    bars,
    separatorY: outcomes.length > 0 ? pipeline.length * ROW + gap / 2 : undefined,
  };
}

export interface ColumnChart {
  width: number;
  height: number;
  plot: { left: number; top: number; width: number; height: number };
  bars: Bar[];
  /** Horizontal grid lines with their value. */
  ticks: Array<{ y: number; value: number }>;
  /** Every few columns, a label under the axis. */
  xLabels: Array<{ x: number; text: string }>;
  total: number;
}

/** The smallest of 1, 2, 5 × 10^n at or above `n` (so grid lines fall on round numbers). */
function niceCeiling(n: number): number {
  if (n <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= n)!;
}

/** Columns, one per day (YYYY-MM-DD), with a labelled y axis and a date under every `labelEvery`-th column. */
export function dailyColumns(days: Array<{ day: string; count: number }>, opts: { labelEvery?: number } = {}): ColumnChart {
  const plot = { left: 44, top: 10, width: 700, height: 170 };
  const max = niceCeiling(Math.max(0, ...days.map((d) => d.count)));
  const step = plot.width / Math.max(1, days.length);
  const every = opts.labelEvery ?? 5;
  const bars = days.map((d, i) => {
    const h = Math.round((d.count / max) * plot.height);
    return { label: d.day, count: d.count, x: Math.round(plot.left + i * step + 2), y: plot.top + plot.height - h, w: Math.max(1, Math.round(step - 4)), h, cls: "done" };
  });
  const ticks = [0, max / 2, max].filter((v) => Number.isInteger(v)).map((value) => ({ value, y: Math.round(plot.top + plot.height - (value / max) * plot.height) }));
  const xLabels = days.flatMap((d, i) => ((days.length - 1 - i) % every === 0 ? [{ x: Math.round(plot.left + i * step + step / 2), text: d.day.slice(5) }] : []));
  return { width: plot.left + plot.width + 10, height: plot.top + plot.height + 30, plot, bars, ticks, xLabels, total: days.reduce((s, d) => s + d.count, 0) };
}
