/**
 * Streaming tar reader on tar-stream (ustar, GNU long names, pax headers): every entry's path goes
 * through safeEntryPath before the caller sees it, and the reader never buffers more than the entry
 * the caller asks for. Errors are DataErrors naming the archive (and the entry where there is one).
 */
import { Readable } from 'node:stream';
import { extract, type Entry, type Headers } from 'tar-stream';
import { DataError } from './errors';
import { safeEntryPath } from './archive-path';

export type TarEntryType = 'file' | 'dir' | 'link' | 'other';

export interface TarEntry {
  /** Safe relative POSIX path (see safeEntryPath). */
  readonly path: string;
  readonly type: TarEntryType;
  readonly size: number;
  /** The entry's content as chunks; read it at most once, before asking for the next entry. */
  chunks(): AsyncIterable<Uint8Array>;
  /** The whole content in one buffer (fine for single CIFAR batches / images). */
  bytes(): Promise<Uint8Array>;
}

function entryType(h: Headers): TarEntryType {
  switch (h.type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'dir';
    case 'link':
    case 'symlink':
      return 'link';
    default:
      return 'other';
  }
}

/** tar-stream's messages, said for people who hold a file, not a parser. */
function tarProblem(e: Error, current: string | null): string {
  if (/unexpected end of data/i.test(e.message)) {
    return current === null ? 'truncated tar: the archive ends inside a header' : `truncated tar: the archive ends inside "${current}"`;
  }
  if (/invalid tar header/i.test(e.message)) return `not a tar archive or corrupt tar header (bad checksum)${current ? ` after "${current}"` : ''}`;
  return `corrupt tar${current ? ` at "${current}"` : ''}: ${e.message}`;
}

/**
 * Reads one entry stream chunk by chunk without ever destroying it: in tar-stream, destroying an
 * entry destroys the whole parse, so a consumer that stops early (a format probe reads 16 bytes)
 * must instead let the rest drain.
 */
class EntryReader {
  private readonly queue: Buffer[] = [];
  private ended = false;
  private error: Error | null = null;
  private discarding = false;
  private wake: (() => void) | null = null;

  constructor(private readonly stream: Entry) {
    stream.on('data', (c: Buffer) => {
      if (this.discarding) return;
      this.queue.push(c);
      stream.pause();
      this.notify();
    });
    stream.on('end', () => {
      this.ended = true;
      this.notify();
    });
    stream.on('error', (e: Error) => {
      this.error = e;
      this.notify();
    });
    stream.pause();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async *chunks(): AsyncGenerator<Buffer> {
    for (;;) {
      const c = this.queue.shift();
      if (c) {
        yield c;
        continue;
      }
      if (this.error) throw this.error;
      if (this.ended) return;
      const waiting = new Promise<void>((resolve) => (this.wake = resolve));
      this.stream.resume();
      await waiting;
    }
  }

  /** Drops what the consumer left unread so the parser can move to the next entry. */
  discardRest(): void {
    this.discarding = true;
    this.queue.length = 0;
    this.stream.resume();
  }
}

/**
 * Entries of a tar stream, in archive order. `archive` names the file in errors.
 * Throws DataError on a corrupt header, a truncated entry, or a path escaping the archive root.
 */
export async function* readTar(source: AsyncIterable<Uint8Array>, archive: string): AsyncGenerator<TarEntry> {
  const input = Readable.from(source, { objectMode: false });
  const parser = extract();
  input.on('error', (e) => parser.destroy(e));
  input.pipe(parser);
  let current: string | null = null;
  try {
    for await (const stream of parser) {
      const h = stream.header;
      const path = safeEntryPath(archive, h.name);
      current = path;
      const type = entryType(h);
      const size = type === 'dir' || type === 'link' ? 0 : (h.size ?? 0);
      const reader = new EntryReader(stream);
      let used = false;
      const chunks = async function* (): AsyncGenerator<Uint8Array> {
        if (used) throw new Error(`tar entry ${path} read twice`);
        used = true;
        let got = 0;
        try {
          for await (const c of reader.chunks()) {
            got += c.length;
            yield c;
          }
        } catch (e) {
          if (e instanceof DataError) throw e;
          throw new DataError(archive, `truncated tar: "${path}" should hold ${size} bytes, the archive ends ${size - got} bytes short`);
        }
      };
      yield {
        path,
        type,
        size,
        chunks,
        async bytes() {
          const out = new Uint8Array(size);
          let off = 0;
          for await (const c of chunks()) {
            out.set(c, off);
            off += c.length;
          }
          return out;
        },
      };
      reader.discardRest();
    }
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(archive, tarProblem(e as Error, current));
  } finally {
    input.unpipe(parser);
    input.destroy();
    parser.destroy();
  }
}
