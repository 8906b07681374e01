/**
 * The audit's charts as standalone SVG, rendered by ECharts on the server side (no DOM):
 * the d1/d2 histogram with the threshold, the train-vs-test nearest-distance histograms, and the
 * per-class memorised fractions. Used by the HTML report (inline SVG: it opens offline).
 */
import type { AuditDetail } from '../../contract/audit';
import { figureColours } from '../runs/figures';


const axisText = { color: figureColours.muted, fontSize: 11 };

/** d1/d2 histogram: bins left of the threshold in the memorised colour, a marked line at it. */
export function ratioHistogramOption(detail: AuditDetail, threshold: number): Record<string, unknown> {
  const { edges, counts } = detail.ratioHistogram;
  const data = counts.map((c, i) => ({
    value: [(edges[i]! + edges[i + 1]!) / 2, c],
    itemStyle: { color: edges[i + 1]! <= threshold ? figureColours.memorized : figureColours.samples },
  }));
  return {
    title: { text: 'd1 / d2 per sample', subtext: `memorised iff d1/d2 < ${threshold.toFixed(3)}`, left: 'center', textStyle: { fontSize: 13, color: figureColours.text }, subtextStyle: axisText },
    grid: { left: 50, right: 24, top: 78, bottom: 40 },
    xAxis: { type: 'value', min: 0, max: 1, name: 'd1 / d2', nameLocation: 'middle', nameGap: 26, axisLabel: axisText, splitLine: { show: false } },
    yAxis: { type: 'value', name: 'samples', axisLabel: axisText, splitLine: { lineStyle: { color: figureColours.grid } } },
    series: [{
      type: 'bar',
      barWidth: '92%',
      barCategoryGap: 0,
      data,
      markLine: {
        symbol: 'none', silent: true, label: { position: 'end', formatter: `threshold ${threshold.toFixed(3)}`, color: figureColours.text, fontSize: 11 },
        lineStyle: { color: figureColours.text, type: 'dashed', width: 1.5 },
        data: [{ xAxis: threshold }],
      },
    }],
  };
}

/** Distances to the nearest training image: generated samples against held-out test images. */
export function gapHistogramOption(detail: AuditDetail): Record<string, unknown> | null {
  const gap = detail.metrics.trainTestGap;
  if (!gap) return null;
  const { edges, samples, test } = gap.histogram;
  const mid = (i: number) => (edges[i]! + edges[i + 1]!) / 2;
  const share = (counts: number[], total: number) => counts.map((c, i) => [mid(i), total > 0 ? c / total : 0]);
  const mw = gap.mannWhitney;
  return {
    title: {
      text: 'Distance to the nearest training image',
      subtext: `samples median ${gap.sampleMedian.toFixed(3)} · test median ${gap.testMedian.toFixed(3)} · Mann–Whitney z = ${mw.z.toFixed(2)}, p = ${mw.p.toExponential(2)}`,
      left: 'center', textStyle: { fontSize: 13, color: figureColours.text }, subtextStyle: axisText,
    },
    legend: { bottom: 0, textStyle: axisText },
    grid: { left: 50, right: 24, top: 84, bottom: 58 },
    xAxis: { type: 'value', scale: true, name: 'L2 distance (pixels in [0, 1])', nameLocation: 'middle', nameGap: 24, axisLabel: axisText, splitLine: { show: false } },
    yAxis: { type: 'value', name: 'share', axisLabel: axisText, splitLine: { lineStyle: { color: figureColours.grid } } },
    series: [
      { name: `generated samples (${gap.sampleCount})`, type: 'bar', barGap: '-100%', barWidth: '90%', data: share(samples, gap.sampleCount), itemStyle: { color: figureColours.samples, opacity: 0.65 } },
      { name: `held-out test images (${gap.testCount})`, type: 'bar', barWidth: '90%', data: share(test, gap.testCount), itemStyle: { color: figureColours.second, opacity: 0.55 } },
    ],
  };
}

/** Memorised fraction of the samples whose nearest training image has each class. */
export function perClassOption(detail: AuditDetail, rows = detail.metrics.perClass): Record<string, unknown> | null {
  if (!rows || rows.length === 0) return null;
  return {
    title: { text: 'Memorised by class of the nearest training image', left: 'center', textStyle: { fontSize: 13, color: figureColours.text } },
    grid: { left: 50, right: 20, top: 62, bottom: 60 },
    xAxis: { type: 'category', data: rows.map((r) => r.name ?? String(r.label)), axisLabel: { ...axisText, rotate: rows.length > 6 ? 35 : 0 } },
    yAxis: { type: 'value', min: 0, max: 1, axisLabel: axisText, splitLine: { lineStyle: { color: figureColours.grid } } },
    series: [{
      type: 'bar',
      data: rows.map((r) => r.memorizedFraction ?? 0),
      itemStyle: { color: figureColours.memorized },
      label: { show: true, position: 'top', fontSize: 10, color: figureColours.muted, formatter: (p: { dataIndex: number }) => `${rows[p.dataIndex]!.memorized}/${rows[p.dataIndex]!.count}` },
    }],
  };
}
