/**
 * "0.001, 0.01,0.1" -> [0.001, 0.01, 0.1]: lists of numbers typed by people (CLI flags, Lab
 * fields). `what` names the field in the error, e.g. "--deltas" or "deltas".
 */
export function parseNumberList(text: string, what: string): number[] {
  const parts = text.split(/[,\s]+/).filter((s) => s !== '');
  if (parts.length === 0) throw new Error(`${what} must be numbers separated by commas, got "${text}"`);
  return parts.map((s) => {
    const n = Number(s);
    if (!Number.isFinite(n)) throw new Error(`${what} must be numbers separated by commas, got "${text}" ("${s}" is not a number)`);
    return n;
  });
}
