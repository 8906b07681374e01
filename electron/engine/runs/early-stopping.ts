/**
 * Early stopping as one control (math.md §3): a request gives delta OR the KDE bandwidth
 * h = sqrt(1 - e^{-2 delta}); the other is derived. Hosts use this to refuse bad requests early,
 * the engine to run them.
 */
import { ou } from '../forward-process';
import { DEFAULT_DELTA } from '../../contract/sampling';

export interface EarlyStop {
  delta: number;
  bandwidth: number;
  /** Which of the two the request gave. */
  given: 'delta' | 'bandwidth' | 'default';
}

export function resolveEarlyStop(r: { delta?: number | undefined; bandwidth?: number | undefined; T: number }): EarlyStop {
  if (r.delta !== undefined && r.bandwidth !== undefined) {
    throw new Error('give delta or bandwidth, not both: they are one control (h = sqrt(1 - e^{-2 delta}))');
  }
  let stop: EarlyStop;
  if (r.bandwidth !== undefined) {
    const h = r.bandwidth;
    if (!(h > 0 && h < 1)) throw new Error(`bandwidth must be in (0, 1), got ${h}`);
    stop = { delta: ou.deltaForBandwidth(h), bandwidth: h, given: 'bandwidth' };
  } else {
    const delta = r.delta ?? DEFAULT_DELTA;
    if (!(delta > 0) || !Number.isFinite(delta)) throw new Error(`delta must be positive and finite, got ${delta}`);
    stop = { delta, bandwidth: ou.bandwidth(delta), given: r.delta === undefined ? 'default' : 'delta' };
  }
  if (!(stop.delta < r.T)) {
    const what = stop.given === 'bandwidth' ? `bandwidth ${stop.bandwidth} means delta = ${stop.delta.toPrecision(4)}, which` : `delta ${stop.delta}`;
    throw new Error(`${what} is not below T = ${r.T}: stop earlier than the horizon`);
  }
  return stop;
}
