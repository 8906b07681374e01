/** A small, strict argument parser: `--flag value`, `--flag=value`, boolean switches, positionals. */
import { parseNumberList } from '../contract/number-list';
export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: string[], booleans: ReadonlySet<string>): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) flags.set(name, a.slice(eq + 1));
      else if (booleans.has(name) || name.startsWith('no-')) flags.set(name, true);
      else {
        const v = argv[i + 1];
        if (v === undefined || (v.startsWith('--') && v.length > 2)) throw new Error(`--${name} needs a value`);
        flags.set(name, v);
        i++;
      }
    } else if (a === '-h') flags.set('help', true);
    else positionals.push(a);
  }
  return { positionals, flags };
}

export class Flags {
  private readonly used = new Set<string>();
  constructor(private readonly map: Map<string, string | true>) {}

  has(name: string): boolean {
    this.used.add(name);
    return this.map.has(name);
  }

  string(name: string): string | undefined {
    this.used.add(name);
    const v = this.map.get(name);
    if (v === true) throw new Error(`--${name} needs a value`);
    return v;
  }

  number(name: string): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got "${v}"`);
    return n;
  }

  numberList(name: string): number[] | undefined {
    const v = this.string(name);
    return v === undefined ? undefined : parseNumberList(v, `--${name}`);
  }

  /** Flags given but never read by the command are mistakes worth reporting. */
  unknown(): string[] {
    return [...this.map.keys()].filter((k) => !this.used.has(k));
  }
}
