/** 2-D views of row-major data for charts and JSON: the first two coordinates, evenly strided to a limit. */
export type Pair = [number, number];

/** Coordinates (0, 1) of up to `limit` rows of a row-major [rows, D] matrix (D = 1: y = 0). */
export function firstTwo(values: ArrayLike<number>, rows: number, D: number, limit = Infinity): Pair[] {
  const stride = Math.max(1, Math.ceil(rows / limit));
  const out: Pair[] = [];
  for (let i = 0; i < rows; i += stride) out.push([values[i * D]!, D > 1 ? values[i * D + 1]! : 0]);
  return out;
}
