/**
 * Figures a run saves beside its numbers, as standalone SVG drawn by ECharts' server-side
 * renderer (no DOM, no canvas): scatter panels for 2-D runs, line charts for sweeps and fits.
 * Light background and explicit colours so the files read the same outside the app.
 */
import * as echarts from 'echarts/core';
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TitleComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, ScatterChart, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, SVGRenderer]);

/** The one chart palette (run figures and the audit report): samples / novel blue, memorised red. */
export const figureColours = {
  train: '#e4572e',
  samples: '#3b63d9',
  second: '#1f8a4c',
  memorized: '#c4322b',
  muted: '#667085',
  text: '#1d2330',
  grid: '#e3e6eb',
} as const;

const FONT = 'Inter, Segoe UI, Helvetica, Arial, sans-serif';

/** Renders an ECharts option to an SVG document. */
export function renderSvg(option: Record<string, unknown>, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, backgroundColor: '#ffffff', textStyle: { fontFamily: FONT, color: figureColours.text }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

export interface PointSeries {
  name: string;
  points: [number, number][];
  colour: string;
  size: number;
  /** Draw rings instead of dots (training points under their copies). */
  hollow?: boolean;
}

/** Axis style shared by the scatter panels: no zero line through the data, no odd end labels. */
const valueAxis = {
  axisLine: { onZero: false, lineStyle: { color: '#98a2b3' } },
  axisLabel: { showMinLabel: false, showMaxLabel: false, fontSize: 11 },
  splitLine: { lineStyle: { color: '#eceff3' } },
};

export interface ScatterPanel {
  title: string;
  series: PointSeries[];
}

/** Side-by-side scatter panels sharing axis ranges (so panels compare at a glance). */
export function scatterPanelsSvg(title: string, panels: ScatterPanel[], panelSize = 420): string {
  const all = panels.flatMap((p) => p.series.flatMap((s) => s.points));
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const pad = (lo: number, hi: number) => {
    const span = hi - lo || 1;
    return [Math.floor(lo - 0.05 * span), Math.ceil(hi + 0.05 * span)] as const;
  };
  const [xMin, xMax] = pad(Math.min(...xs), Math.max(...xs));
  const [yMin, yMax] = pad(Math.min(...ys), Math.max(...ys));
  const gap = 60;
  const left = 50;
  const top = 70;
  const width = left + panels.length * (panelSize + gap);
  const height = top + panelSize + 40;
  const seriesNames = [...new Set(panels.flatMap((p) => p.series.map((s) => s.name)))];
  return renderSvg(
    {
      title: [
        { text: title, left: 'center', top: 6, textStyle: { fontSize: 15 } },
        ...panels.map((p, i) => ({ text: p.title, left: left + i * (panelSize + gap) + panelSize / 2, top: 44, textAlign: 'center', textStyle: { fontSize: 13, fontWeight: 'normal' } })),
      ],
      legend: { data: seriesNames, bottom: 4, textStyle: { fontSize: 12 } },
      grid: panels.map((_, i) => ({ left: left + i * (panelSize + gap), top, width: panelSize, height: panelSize - 20 })),
      xAxis: panels.map((_, i) => ({ gridIndex: i, type: 'value', min: xMin, max: xMax, ...valueAxis })),
      yAxis: panels.map((_, i) => ({ gridIndex: i, type: 'value', min: yMin, max: yMax, ...valueAxis })),
      series: panels.flatMap((p, i) =>
        p.series.map((s) => ({
          name: s.name, type: 'scatter', xAxisIndex: i, yAxisIndex: i, data: s.points, symbolSize: s.size,
          // hollow markers stay readable when samples sit on top of them
          itemStyle: s.hollow ? { color: 'rgba(255,255,255,0)', borderColor: s.colour, borderWidth: 1.5 } : { color: s.colour, opacity: 0.8 },
        })),
      ),
    },
    width,
    height + 20,
  );
}

export interface LineSeries {
  name: string;
  points: [number, number][];
  colour: string;
  /** 'line' (with markers), 'dashed' (a fit, no markers) or 'points'. */
  style: 'line' | 'dashed' | 'points';
  /** Second y axis (right). */
  rightAxis?: boolean;
}

export interface LineFigure {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  rightLabel?: string;
  xLog?: boolean;
  yLog?: boolean;
  rightLog?: boolean;
  yMax?: number;
  series: LineSeries[];
  /** Horizontal reference lines on the left axis. */
  marks?: { y: number; label: string }[];
}

/** Axis tick text without float noise (log axes produce 0.00009999...). */
const tick = (v: number): string => {
  const r = Number(v.toPrecision(6));
  return Math.abs(r) >= 1e5 || (r !== 0 && Math.abs(r) < 1e-4) ? r.toExponential() : r.toLocaleString('en-US', { maximumFractionDigits: 6 });
};

export function lineFigureSvg(f: LineFigure, width = 720, height = 440): string {
  const axis = (name: string, log: boolean | undefined, extra: Record<string, unknown> = {}) => ({
    type: log ? 'log' : 'value', name, nameLocation: 'middle', nameGap: 42, nameTextStyle: { fontSize: 12 },
    splitLine: { lineStyle: { color: '#eceff3' } }, axisLabel: { fontSize: 11, formatter: tick }, scale: !log, ...extra,
  });
  const yAxes = [axis(f.yLabel, f.yLog, f.yMax !== undefined ? { max: f.yMax, min: 0, scale: false } : {})];
  if (f.rightLabel) yAxes.push(axis(f.rightLabel, f.rightLog, { position: 'right', splitLine: { show: false } }));
  return renderSvg(
    {
      title: { text: f.title, subtext: f.subtitle ?? '', left: 'center', top: 6, textStyle: { fontSize: 15 }, subtextStyle: { fontSize: 12, color: figureColours.muted } },
      legend: { bottom: 4, textStyle: { fontSize: 12 } },
      grid: { left: 70, right: f.rightLabel ? 80 : 30, top: f.subtitle ? 78 : 60, bottom: 80 },
      xAxis: { ...axis(f.xLabel, f.xLog), nameGap: 30 },
      yAxis: yAxes,
      series: f.series.map((s, i) => ({
        name: s.name,
        type: s.style === 'points' ? 'scatter' : 'line',
        data: s.points,
        yAxisIndex: s.rightAxis ? 1 : 0,
        symbol: s.style === 'dashed' ? 'none' : 'circle',
        symbolSize: s.style === 'points' ? 7 : 6,
        lineStyle: { color: s.colour, width: 2, type: s.style === 'dashed' ? 'dashed' : 'solid' },
        itemStyle: { color: s.colour },
        ...(i === 0 && f.marks?.length
          ? {
              markLine: {
                symbol: 'none', silent: true, lineStyle: { color: figureColours.muted, type: 'dotted' },
                label: { formatter: '{b}', fontSize: 11, color: figureColours.muted, position: 'insideEndTop' },
                data: f.marks.map((m) => ({ yAxis: m.y, name: m.label })),
              },
            }
          : {}),
      })),
    },
    width,
    height,
  );
}

/** Bars of one value per item (e.g. d1/d2 per sample) with reference lines. */
export function barFigureSvg(f: { title: string; subtitle?: string; xLabel: string; yLabel: string; values: number[]; colours: string[]; marks?: { y: number; label: string }[] }, width = 720, height = 400): string {
  return renderSvg(
    {
      title: { text: f.title, subtext: f.subtitle ?? '', left: 'center', top: 6, textStyle: { fontSize: 15 }, subtextStyle: { fontSize: 12, color: figureColours.muted } },
      grid: { left: 70, right: 30, top: f.subtitle ? 78 : 60, bottom: 60 },
      xAxis: { type: 'category', name: f.xLabel, nameLocation: 'middle', nameGap: 30, data: f.values.map((_, i) => String(i)), axisLabel: { fontSize: 10 } },
      yAxis: {
        type: 'value', name: f.yLabel, nameLocation: 'middle', nameGap: 46, min: 0, splitLine: { lineStyle: { color: '#eceff3' } },
        // keep the reference lines in view however small the values are; end on a round tick
        max: Math.ceil(10 * Math.max(...f.values, ...(f.marks ?? []).map((m) => m.y * 1.2))) / 10,
        axisLabel: { formatter: tick },
      },
      series: [{
        type: 'bar', data: f.values.map((v, i) => ({ value: v, itemStyle: { color: f.colours[i] ?? figureColours.samples } })),
        markLine: f.marks?.length
          ? {
              symbol: 'none', silent: true, lineStyle: { color: figureColours.train, type: 'dashed' },
              label: { formatter: '{b}', fontSize: 11, color: figureColours.train, position: 'insideEndTop' },
              data: f.marks.map((m) => ({ yAxis: m.y, name: m.label })),
            }
          : undefined,
      }],
    },
    width,
    height,
  );
}
