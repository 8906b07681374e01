/**
 * A RESTRICTED unpickler: enough of the pickle protocol (0-5 opcodes for plain data) to read
 * CIFAR-10 python batches and pickled numpy arrays. It never calls anything: the only globals it
 * accepts are the numpy array / dtype reconstructors and codecs.encode, and those are interpreted
 * as data constructors here. Any other global, or an object-building opcode, is a DataError.
 */
import { DataError } from './errors';

export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | PyNdArray
  | PyDtype
  | PyGlobal;

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

export class PyDict {
  readonly entries: [PyValue, PyValue][] = [];
  /** Value of a str or bytes key equal to `key` (py2 str, py3 bytes and str keys all match). */
  get(key: string): PyValue | undefined {
    for (const [k, v] of this.entries) if (pyText(k) === key) return v;
    return undefined;
  }
  keys(): string[] {
    return this.entries.map(([k]) => pyText(k) ?? String(k));
  }
}

/** numpy dtype as reconstructed: kind+size descr ("u1", "f4", ...) and byte order from BUILD. */
export class PyDtype {
  byteorder = '|';
  constructor(readonly name: string) {}
  get descr(): string {
    return `${this.byteorder === '=' ? '<' : this.byteorder}${this.name}`;
  }
}

export class PyNdArray {
  shape: number[] = [];
  dtype: PyDtype | null = null;
  fortranOrder = false;
  data: Uint8Array = new Uint8Array(0);
}

class PyGlobal {
  constructor(readonly ref: AllowedGlobal) {}
}

type AllowedGlobal = 'reconstruct' | 'ndarray' | 'dtype' | 'frombuffer' | 'encode';

const ALLOWED: Record<string, AllowedGlobal> = {
  'numpy.core.multiarray._reconstruct': 'reconstruct',
  'numpy._core.multiarray._reconstruct': 'reconstruct',
  'numpy.ndarray': 'ndarray',
  'numpy.dtype': 'dtype',
  'numpy.core.numeric._frombuffer': 'frombuffer',
  'numpy._core.numeric._frombuffer': 'frombuffer',
  '_codecs.encode': 'encode',
  'codecs.encode': 'encode',
};

/** str, or bytes read as latin1 (py2 str); undefined for anything else. */
export function pyText(v: PyValue | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1');
  return undefined;
}

const MARK = Symbol('mark');
type StackItem = PyValue | typeof MARK;

const OPNAMES: Record<string, string> = {
  i: 'INST', o: 'OBJ', '\x81': 'NEWOBJ', '\x92': 'NEWOBJ_EX', P: 'PERSID', Q: 'BINPERSID',
  '\x82': 'EXT1', '\x83': 'EXT2', '\x84': 'EXT4', '\x97': 'NEXT_BUFFER', '\x98': 'READONLY_BUFFER',
};

/** Unpickles `bytes` (one pickle, up to STOP). `file` names the source in errors. */
export function unpickle(bytes: Uint8Array, file: string): PyValue {
  try {
    return unpickleUnchecked(bytes, file);
  } catch (e) {
    // a hostile pickle must not surface as a bare RangeError / SyntaxError (BigInt) without the file
    if (e instanceof DataError) throw e;
    throw new DataError(file, `not a readable pickle (${(e as Error).message})`);
  }
}

function unpickleUnchecked(bytes: Uint8Array, file: string): PyValue {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: StackItem[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  let p = 0;
  const fail = (what: string) => new DataError(file, `not a readable pickle: ${what} (at byte ${p})`);
  const need = (n: number) => {
    if (p + n > buf.length) throw fail('the data ends early (truncated file)');
  };
  const u8 = () => (need(1), buf[p++] as number);
  const u16 = () => (need(2), (p += 2), buf.readUInt16LE(p - 2));
  const u32 = () => (need(4), (p += 4), buf.readUInt32LE(p - 4));
  const i32 = () => (need(4), (p += 4), buf.readInt32LE(p - 4));
  const u64 = () => {
    need(8);
    const v = buf.readBigUInt64LE(p);
    p += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw fail('length too large');
    return Number(v);
  };
  const take = (n: number) => (need(n), (p += n), buf.subarray(p - n, p));
  const line = () => {
    const nl = buf.indexOf(10, p);
    if (nl < 0) throw fail('the data ends early (truncated file)');
    const s = buf.toString('latin1', p, nl);
    p = nl + 1;
    return s;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw fail('stack underflow');
    return v;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw fail('stack underflow');
    return v;
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) throw fail('MARK expected');
    const items = stack.splice(m) as StackItem[];
    items.shift(); // the MARK itself
    return items as PyValue[];
  };
  const global = (module: string, name: string): PyGlobal => {
    const ref = ALLOWED[`${module}.${name}`];
    if (!ref) {
      throw new DataError(
        file,
        `the pickle refers to ${module}.${name}, which this reader does not allow (it reads only numpy arrays, lists, dicts, strings and numbers, and never runs code)`,
      );
    }
    return new PyGlobal(ref);
  };
  const asList = (v: PyValue, op: string): PyValue[] => {
    if (!Array.isArray(v)) throw fail(`${op} on a non-list`);
    return v;
  };
  const asDict = (v: PyValue, op: string): PyDict => {
    if (!(v instanceof PyDict)) throw fail(`${op} on a non-dict`);
    return v;
  };
  const intOf = (v: PyValue | undefined, what: string): number => {
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'boolean') return v ? 1 : 0;
    throw fail(`${what}: expected an integer`);
  };
  const tupleItems = (v: PyValue, what: string): PyValue[] => {
    if (v instanceof PyTuple) return v.items;
    throw fail(`${what}: expected a tuple`);
  };

  const reduce = (fn: PyValue, args: PyValue): PyValue => {
    if (!(fn instanceof PyGlobal)) throw fail('REDUCE on something that is not an allowed global');
    const a = tupleItems(args, 'REDUCE arguments');
    switch (fn.ref) {
      case 'reconstruct':
        if (!(a[0] instanceof PyGlobal) || a[0].ref !== 'ndarray') throw fail('_reconstruct of something other than numpy.ndarray');
        return new PyNdArray();
      case 'dtype': {
        const name = pyText(a[0]);
        if (name === undefined) throw fail('numpy.dtype without a type name');
        return new PyDtype(name);
      }
      case 'encode': {
        const s = a[0];
        const enc = (pyText(a[1]) ?? 'utf-8').toLowerCase().replace('_', '-');
        if (typeof s !== 'string') throw fail('codecs.encode of a non-string');
        if (enc === 'latin1' || enc === 'latin-1' || enc === 'iso-8859-1') return new Uint8Array(Buffer.from(s, 'latin1'));
        if (enc === 'utf-8' || enc === 'utf8') return new Uint8Array(Buffer.from(s, 'utf8'));
        throw fail(`codecs.encode with encoding ${enc}`);
      }
      case 'frombuffer': {
        const [data, dtype, shape, order] = a;
        if (!(data instanceof Uint8Array) || !(dtype instanceof PyDtype)) throw fail('_frombuffer without bytes and dtype');
        const arr = new PyNdArray();
        arr.data = data;
        arr.dtype = dtype;
        arr.shape = tupleItems(shape ?? null, '_frombuffer shape').map((v) => intOf(v, 'shape'));
        arr.fortranOrder = pyText(order) === 'F';
        return arr;
      }
      case 'ndarray':
        throw fail('direct numpy.ndarray(...) construction');
    }
  };

  const build = (obj: PyValue, state: PyValue): void => {
    const s = tupleItems(state, 'BUILD state');
    if (obj instanceof PyDtype) {
      // (version, byteorder, subarray, names, fields, elsize, alignment, flags)
      const order = pyText(s[1]);
      if (order !== undefined) obj.byteorder = order;
      if (s[3] !== null && s[3] !== undefined) throw new DataError(file, 'unsupported dtype: structured numpy arrays are not supported');
      return;
    }
    if (obj instanceof PyNdArray) {
      // (version, shape, dtype, is_fortran, rawdata) or the older 4-tuple without version
      const t = s.length === 5 ? s.slice(1) : s;
      const [shape, dtype, fortran, raw] = t;
      obj.shape = tupleItems(shape ?? null, 'array shape').map((v) => intOf(v, 'shape'));
      if (!(dtype instanceof PyDtype)) throw fail('array state without a dtype');
      obj.dtype = dtype;
      obj.fortranOrder = fortran === true || fortran === 1;
      if (raw instanceof Uint8Array) obj.data = raw;
      else if (typeof raw === 'string') obj.data = new Uint8Array(Buffer.from(raw, 'latin1'));
      else throw new DataError(file, 'unsupported dtype: object arrays (Python objects inside numpy arrays) are not supported');
      return;
    }
    throw fail('BUILD on a non-numpy object');
  };

  const textInt = (s: string): PyValue => {
    if (s === '01') return true;
    if (s === '00') return false;
    const t = s.replace(/L$/, '');
    const b = BigInt(t);
    return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
  };
  const longBytes = (b: Buffer): PyValue => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number);
    if ((b[b.length - 1] as number) & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const op = String.fromCharCode(u8());
    switch (op) {
      case '\x80': u8(); break; // PROTO
      case '\x95': u64(); break; // FRAME: framing is only a hint
      case '.': { // STOP
        const v = pop();
        return v;
      }
      case '(': marks.push(stack.length); stack.push(MARK); break;
      case '0': pop(); break;
      case '1': popMark(); break;
      case '2': stack.push(top()); break;
      case 'N': stack.push(null); break;
      case '\x88': stack.push(true); break;
      case '\x89': stack.push(false); break;
      case 'I': stack.push(textInt(line())); break;
      case 'L': stack.push(textInt(line())); break;
      case 'J': stack.push(i32()); break;
      case 'K': stack.push(u8()); break;
      case 'M': stack.push(u16()); break;
      case '\x8a': stack.push(longBytes(take(u8()))); break;
      case '\x8b': stack.push(longBytes(take(u32()))); break;
      case 'F': stack.push(parseFloat(line())); break;
      case 'G': need(8); stack.push(buf.readDoubleBE(p)); p += 8; break;
      case 'T': stack.push(take(u32())); break; // BINSTRING (py2 str): bytes
      case 'U': stack.push(take(u8())); break; // SHORT_BINSTRING
      case 'B': stack.push(take(u32())); break; // BINBYTES
      case 'C': stack.push(take(u8())); break; // SHORT_BINBYTES
      case '\x8e': stack.push(take(u64())); break; // BINBYTES8
      case '\x96': stack.push(take(u64())); break; // BYTEARRAY8
      case 'X': stack.push(take(u32()).toString('utf8')); break; // BINUNICODE
      case '\x8c': stack.push(take(u8()).toString('utf8')); break; // SHORT_BINUNICODE
      case '\x8d': stack.push(take(u64()).toString('utf8')); break; // BINUNICODE8
      case ')': stack.push(new PyTuple([])); break;
      case 't': stack.push(new PyTuple(popMark())); break;
      case '\x85': stack.push(new PyTuple([pop()])); break;
      case '\x86': { const b = pop(); const a = pop(); stack.push(new PyTuple([a, b])); break; }
      case '\x87': { const c = pop(); const b = pop(); const a = pop(); stack.push(new PyTuple([a, b, c])); break; }
      case ']': stack.push([]); break;
      case 'l': stack.push(popMark()); break;
      case 'a': { const v = pop(); asList(top(), 'APPEND').push(v); break; }
      case 'e': { const items = popMark(); const l = asList(top(), 'APPENDS'); for (const v of items) l.push(v); break; } // no spread: millions of items would overflow the call stack
      case '\x8f': stack.push([]); break; // EMPTY_SET, read as a list
      case '\x90': { const items = popMark(); const l = asList(top(), 'ADDITEMS'); for (const v of items) l.push(v); break; }
      case '\x91': stack.push(popMark()); break; // FROZENSET
      case '}': stack.push(new PyDict()); break;
      case 'd': {
        const items = popMark();
        const d = new PyDict();
        for (let i = 0; i + 1 < items.length; i += 2) d.entries.push([items[i] as PyValue, items[i + 1] as PyValue]);
        stack.push(d);
        break;
      }
      case 's': { const v = pop(); const k = pop(); asDict(top(), 'SETITEM').entries.push([k, v]); break; }
      case 'u': {
        const items = popMark();
        const d = asDict(top(), 'SETITEMS');
        for (let i = 0; i + 1 < items.length; i += 2) d.entries.push([items[i] as PyValue, items[i + 1] as PyValue]);
        break;
      }
      case 'g': { const k = Number(line()); const v = memo.get(k); if (v === undefined) throw fail(`memo ${k} missing`); stack.push(v); break; }
      case 'h': { const k = u8(); const v = memo.get(k); if (v === undefined) throw fail(`memo ${k} missing`); stack.push(v); break; }
      case 'j': { const k = u32(); const v = memo.get(k); if (v === undefined) throw fail(`memo ${k} missing`); stack.push(v); break; }
      case 'p': memo.set(Number(line()), top()); break;
      case 'q': memo.set(u8(), top()); break;
      case 'r': memo.set(u32(), top()); break;
      case '\x94': memo.set(memo.size, top()); break; // MEMOIZE
      case 'c': { const module = line(); const name = line(); stack.push(global(module, name)); break; }
      case '\x93': { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof name !== 'string' || typeof module !== 'string') throw fail('STACK_GLOBAL needs two strings');
        stack.push(global(module, name));
        break;
      }
      case 'R': { const args = pop(); const fn = pop(); stack.push(reduce(fn, args)); break; }
      case 'b': { const state = pop(); build(top(), state); break; }
      default: {
        const name = OPNAMES[op];
        throw new DataError(
          file,
          name
            ? `the pickle uses opcode ${name}, which this reader does not allow (it never builds Python objects or runs code)`
            : `not a pickle, or an unknown pickle opcode 0x${op.charCodeAt(0).toString(16).padStart(2, '0')} at byte ${p - 1}`,
        );
      }
    }
  }
}

export function isPickleMagic(head: Uint8Array): boolean {
  // protocol 2+ starts with PROTO n; older pickles of dicts start with "(dp0" or "}"
  return (head[0] === 0x80 && (head[1] as number) >= 2 && (head[1] as number) <= 5) || (head[0] === 0x28 && head[1] === 0x64);
}
