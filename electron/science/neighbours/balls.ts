/**
 * Ball membership between two sets (Kynkäänniemi et al. precision/recall, docs/math.md §5):
 * query q is in the reference manifold iff some r has d(q, r) <= refRadii[r]; reference r is
 * in the query manifold iff some q has d(q, r) <= queryRadii[q]. Both directions come from the
 * same [queries x reference] products, so the set pair is scanned once.
 * Distances are compared as float32 values (as the searches return them): inside iff
 * fround(sqrt(d2)) <= radius, so a ball's own k-th neighbour lies on (inside) its boundary.
 * The float32 expansion decides clear cases; pairs within a tolerance band are recomputed exactly.
 */
import { defaultQueryChunk, forEachBlockAndChunk, type BlockKernel, type ChunkedReference } from './blocks';
import { expansionTolerance, squaredDistance, squaredNorms } from './exact';
import { asTfjsReference, productBlocks } from './search';
import type { BallMembership, BallMembershipSearch, ChunkSpan, SearchOptions, UnitRows } from './types';

/**
 * An implementation's product kernel for ball membership: `visit` gets the float32 products q.y
 * of each query block with each reference chunk ([rows, chunk.size], row-major).
 */
export type ProductKernel<Block, Chunk extends ChunkSpan> = (visit: (products: Float32Array, chunk: Chunk) => void) => BlockKernel<Block, Chunk>;

function insideExact(queries: Float32Array, qi: number, ref: UnitRows, ri: number, d: number, radius: number): boolean {
  return Math.fround(Math.sqrt(squaredDistance(queries, qi, ref, ri, d))) <= radius;
}

function checkRadii(radii: ArrayLike<number>, count: number, what: string): void {
  if (radii.length !== count) throw new Error(`ballMembership: expected ${count} ${what} radii, found ${radii.length}`);
  for (let i = 0; i < count; i++) {
    const r = radii[i]!;
    if (!(r >= 0) || !Number.isFinite(r)) throw new Error(`ballMembership: ${what} radius ${i} is ${r}; expected a finite value >= 0`);
  }
}

/** Ball membership of a tfjs reference set (see the module comment). */
export const tfjsBallMembership: BallMembershipSearch = async (queries, m, queryRadii, ref, refRadii, opts = {}) => {
  const r = asTfjsReference(ref);
  return ballMembershipFrom((visit) => productBlocks(r, visit), queries, m, queryRadii, r, refRadii, opts);
};

/** Ball membership from any product kernel over `r` (the implementations differ only there). */
export async function ballMembershipFrom<Block, Chunk extends ChunkSpan>(
  products: ProductKernel<Block, Chunk>,
  queries: Float32Array,
  m: number,
  queryRadii: ArrayLike<number>,
  r: ChunkedReference<Chunk>,
  refRadii: ArrayLike<number>,
  opts: SearchOptions = {},
): Promise<BallMembership> {
  const d = r.d;
  if (queries.length !== m * d) throw new Error(`ballMembership: expected ${m} queries x ${d} values = ${m * d}, found ${queries.length}`);
  checkRadii(queryRadii, m, 'query');
  checkRadii(refRadii, r.n, 'reference');
  const queryNorms = squaredNorms(queries, m, d);
  // radii as float32 (the form distances take) and their squares in float64
  const lowQ = new Float64Array(m);
  const highQ = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const q = Math.fround(queryRadii[i]!);
    lowQ[i] = q * q;
    highQ[i] = (q * (1 + 2 ** -20)) ** 2;
  }
  const lowR = new Float64Array(r.n);
  const highR = new Float64Array(r.n);
  for (let j = 0; j < r.n; j++) {
    const q = Math.fround(refRadii[j]!);
    lowR[j] = q * q;
    highR[j] = (q * (1 + 2 ** -20)) ** 2;
  }
  const queryInRef = new Uint8Array(m);
  const refInQuery = new Uint8Array(r.n);
  let first = 0;
  let rows = 0;
  await forEachBlockAndChunk(
    queries,
    m,
    d,
    r.chunks,
    opts.queryChunk ?? defaultQueryChunk,
    opts.ctx,
    (f, n) => {
      first = f;
      rows = n;
    },
    products((products, chunk) => {
      const cols = chunk.size;
      for (let a = 0; a < rows; a++) {
        const qi = first + a;
        const qn = queryNorms[qi]!;
        const off = a * cols;
        for (let b = 0; b < cols; b++) {
          const ri = chunk.start + b;
          const qInside = queryInRef[qi] === 1;
          const rInside = refInQuery[ri] === 1;
          if (qInside && rInside) continue;
          const scale = qn + r.norms[ri]!;
          const d2 = scale - 2 * products[off + b]!;
          const tol = expansionTolerance * scale;
          if (!qInside) {
            if (d2 + tol <= lowR[ri]!) queryInRef[qi] = 1;
            else if (d2 - tol <= highR[ri]! && insideExact(queries, qi, r.data, ri, d, Math.fround(refRadii[ri]!))) queryInRef[qi] = 1;
          }
          if (!rInside) {
            if (d2 + tol <= lowQ[qi]!) refInQuery[ri] = 1;
            else if (d2 - tol <= highQ[qi]! && insideExact(queries, qi, r.data, ri, d, Math.fround(queryRadii[qi]!))) refInQuery[ri] = 1;
          }
        }
      }
    }),
    () => {},
  );
  return { queryInRef, refInQuery };
}
