/**
 * Phase timings for run.json: each call returns the seconds since the previous call (or since
 * the timer was made), so a run can record how long loading, searching and writing took.
 */
export function lapTimer(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const s = (now - last) / 1000;
    last = now;
    return s;
  };
}
