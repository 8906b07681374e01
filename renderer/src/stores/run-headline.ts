/**
 * The few numbers that say what a run found, by kind, for the Runs list, the run page and the Lab
 * (display only: the engine computed them). Plain functions, no store: unit-tested in node.
 */

export interface Headline {
  label: string;
  value: string;
}

const pct = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');
const num = (v: unknown, digits = 3) => (typeof v === 'number' && Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : '–');
const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/** Audits measure L2 on pixels scaled to [0, 1] (their summary carries no unit). */
const AUDIT_DISTANCE_UNITS = 'L2 on pixels scaled to [0, 1]';

/** " (pixels scaled to [0, 1])" / " (data units)" from a summary's distanceUnits; older runs without one: "". */
function unitsOf(summary: Record<string, unknown>): string {
  const u = summary['distanceUnits'];
  return typeof u === 'string' && u ? ` (${u.replace(/^L2 on /, '')})` : '';
}

/** Two scores from the same noise: memorised fraction and median NN distance of each ([key, label] pairs). */
function comparisonHeadline(summary: Record<string, unknown>, scores: [string, string][]): Headline[] {
  const m = rec(summary['memorizedFraction']);
  const d = rec(summary['medianNearestDistance']);
  const units = unitsOf(summary);
  return [
    ...scores.map(([key, label]) => ({ label: `memorised (${label})`, value: pct(m[key]) })),
    ...scores.map(([key, label]) => ({ label: `median NN (${label})${units}`, value: num(d[key]) })),
  ];
}

/** The few numbers that say what a run found, by kind (display only: the engine computed them). */
export function headlineOf(kind: string, summary: Record<string, unknown>): Headline[] {
  switch (kind) {
    case 'experiment:gaussian2d':
      return comparisonHeadline(summary, [['empirical', 's_N'], ['gaussian', 'Gaussian']]);
    case 'experiment:score-error':
      return [
        { label: 'fitted slope', value: num(summary['slope']) },
        { label: `error at N = ${num(rec(summary['errorAtSmallestN'])['N'])}`, value: num(rec(summary['errorAtSmallestN'])['error']) },
        { label: `error at N = ${num(rec(summary['errorAtLargestN'])['N'])}`, value: num(rec(summary['errorAtLargestN'])['error']) },
      ];
    case 'experiment:delta-sweep': {
      const byDelta = Object.entries(rec(summary['memorizedFractionByDelta']));
      const first = byDelta[0];
      const last = byDelta.at(-1);
      const information = rec(summary['mutualInformationByDelta']);
      return first && last
        ? [
            { label: `memorised at δ = ${first[0]}`, value: pct(first[1]) },
            { label: `memorised at δ = ${last[0]}`, value: pct(last[1]) },
            ...(last[0] in information
              ? [{ label: `MI at δ = ${last[0]} (nats; log N = ${num(summary['logN'])})`, value: num(information[last[0]]) }]
              : []),
          ]
        : [];
    }
    case 'train-score':
      return [
        { label: 'final loss (EMA)', value: num(summary['finalLoss'], 4) },
        { label: 'steps', value: num(summary['steps'], 6) },
        { label: 'seconds', value: num(summary['seconds']) },
        { label: 'parameters', value: num(summary['parameters'], 7) },
        ...(typeof summary['itemsPerSecond'] === 'number' ? [{ label: 'items per second', value: num(summary['itemsPerSecond']) }] : []),
      ];
    case 'experiment:learned-vs-empirical':
      return comparisonHeadline(summary, [['learned', 'learned'], ['empirical', 's_N']]);
    case 'experiment:memorisation-vs-n': {
      // the U-Net at the smallest and largest N (copies, then not), and s_N at the largest (copies still)
      const byN = Object.entries(rec(summary['memorizedFractionByN'])).sort((x, y) => Number(x[0]) - Number(y[0]));
      const first = byN[0];
      const last = byN.at(-1);
      const empirical = rec(summary['empiricalMemorizedFractionByN']);
      return first && last
        ? [
            { label: `memorised at N = ${first[0]} (U-Net)`, value: pct(first[1]) },
            ...(last !== first ? [{ label: `memorised at N = ${last[0]} (U-Net)`, value: pct(last[1]) }] : []),
            { label: `memorised at N = ${last[0]} (s_N)`, value: pct(empirical[last[0]]) },
          ]
        : [];
    }
    case 'audit':
      return [
        { label: 'memorised', value: pct(summary['memorizedFraction']) },
        { label: `median NN distance${unitsOf({ distanceUnits: AUDIT_DISTANCE_UNITS })}`, value: num(summary['medianD1']) },
      ];
    default:
      return [
        { label: 'memorised', value: pct(summary['memorizedFraction']) },
        { label: `median NN distance${unitsOf(summary)}`, value: num(summary['medianNearestDistance']) },
        ...(typeof summary['distinctNearest'] === 'number' ? [{ label: 'distinct nearest', value: String(summary['distinctNearest']) }] : []),
      ];
  }
}
