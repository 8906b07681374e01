/**
 * Pulls exact byte counts out of an async stream of chunks (a file read stream, gunzip, inflate),
 * without concatenating more than one request's worth. Used by the tar and streaming .npy readers.
 */
export class ChunkReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private done = false;
  /** Bytes handed out so far. */
  consumed = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<void> {
    while (this.pendingBytes < n && !this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        break;
      }
      if (r.value.length > 0) {
        this.pending.push(r.value);
        this.pendingBytes += r.value.length;
      }
    }
  }

  /** Exactly n bytes, or fewer only if the stream ended (the caller decides whether that is an error). */
  async read(n: number): Promise<Uint8Array> {
    await this.fill(n);
    const take = Math.min(n, this.pendingBytes);
    this.consumed += take;
    const first = this.pending[0];
    if (first !== undefined && first.length >= take) {
      // common case: one chunk covers the request, hand out a view
      const out = first.subarray(0, take);
      if (first.length === take) this.pending.shift();
      else this.pending[0] = first.subarray(take);
      this.pendingBytes -= take;
      return out;
    }
    const out = new Uint8Array(take);
    let off = 0;
    while (off < take) {
      const c = this.pending[0] as Uint8Array;
      const k = Math.min(c.length, take - off);
      out.set(c.subarray(0, k), off);
      off += k;
      if (k === c.length) this.pending.shift();
      else this.pending[0] = c.subarray(k);
    }
    this.pendingBytes -= take;
    return out;
  }

  /** Up to max bytes that are available now (at least one unless the stream ended); for pass-through. */
  async readSome(max: number): Promise<Uint8Array> {
    if (this.pendingBytes === 0) await this.fill(1);
    const first = this.pending[0];
    if (first === undefined) return new Uint8Array(0);
    const take = Math.min(max, first.length);
    const out = first.subarray(0, take);
    if (take === first.length) this.pending.shift();
    else this.pending[0] = first.subarray(take);
    this.pendingBytes -= take;
    this.consumed += take;
    return out;
  }

  /** Skips n bytes; returns how many were actually skipped. */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const c = await this.readSome(left);
      if (c.length === 0) break;
      left -= c.length;
    }
    return n - left;
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    await this.fill(1);
    return this.pendingBytes === 0;
  }

  /** Stops the underlying stream (closes the file) when the caller leaves early. */
  async close(): Promise<void> {
    this.done = true;
    this.pending = [];
    this.pendingBytes = 0;
    await this.it.return?.();
  }
}
