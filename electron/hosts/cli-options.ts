/**
 * CLI options read from a contract request schema, so the CLI re-implements no rule: each field of
 * the z.object is a `--kebab-case` flag (T stays --T), converted from text by the field's type
 * (numbers, number lists, enum choices, booleans), and the raw request goes to the contract's
 * schema, whose refusals are printed with the flags' names. Help lists each option with its type,
 * choices, default and description from the schema.
 */
import type { z } from 'zod';
import { calls, type CallName } from '../contract';
import type { Flags } from './cli-args';

type FieldKind = 'number' | 'integer' | 'string' | 'boolean' | 'number-list' | 'choice';

export interface CliOption {
  field: string;
  flag: string;
  kind: FieldKind;
  choices: readonly string[] | null;
  /** The schema's default (undefined: none). */
  default: unknown;
  required: boolean;
  description: string | null;
}

/** A field name as a flag: samplerSeed -> sampler-seed, Ns -> ns; one-letter names stay (T). */
export function flagOf(field: string): string {
  if (field.length === 1) return field;
  return field.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

interface Def {
  type: string;
  innerType?: ZodLike;
  in?: ZodLike;
  defaultValue?: unknown;
  element?: ZodLike;
  shape?: Record<string, ZodLike>;
}
interface ZodLike {
  _zod: { def: Def };
  description?: string;
  isInt?: boolean;
  options?: readonly string[];
  shape?: Record<string, ZodLike>;
}

/** The z.object under pipes (transforms) and refinements. */
function objectShape(schema: ZodLike): Record<string, ZodLike> {
  let s = schema;
  while (s._zod.def.type === 'pipe' && s._zod.def.in) s = s._zod.def.in;
  if (s._zod.def.type === 'default' && s._zod.def.innerType) s = s._zod.def.innerType;
  const shape = s.shape ?? s._zod.def.shape;
  if (s._zod.def.type !== 'object' || !shape) throw new Error(`cli-options: expected an object schema, got ${s._zod.def.type}`);
  return shape;
}

function describeField(field: string, schema: ZodLike, rename: Record<string, string>): CliOption {
  let s = schema;
  let required = true;
  let fallback: unknown;
  let description = schema.description ?? null;
  for (;;) {
    const def = s._zod.def;
    if (def.type === 'optional') required = false;
    else if (def.type === 'default') {
      required = false;
      fallback = def.defaultValue;
    } else break;
    s = def.innerType!;
    description ??= s.description ?? null;
  }
  const type = s._zod.def.type;
  let kind: FieldKind = 'string';
  if (type === 'number') kind = s.isInt ? 'integer' : 'number';
  else if (type === 'boolean') kind = 'boolean';
  else if (type === 'enum') kind = 'choice';
  else if (type === 'array' && s._zod.def.element?._zod.def.type === 'number') kind = 'number-list';
  else if (type === 'union' || type === 'literal') kind = 'number';
  return {
    field, flag: rename[field] ?? flagOf(field), kind, choices: kind === 'choice' ? s.options ?? null : null, default: fallback, required, description,
  };
}

/** The options of a request schema; `rename` gives a field another flag (e.g. nSamples -> n). */
export function cliOptions(schema: z.ZodType, rename: Record<string, string> = {}): CliOption[] {
  return Object.entries(objectShape(schema as unknown as ZodLike)).map(([field, s]) => describeField(field, s, rename));
}

/** Flags that are switches (boolean request fields of any call): the argument parser takes no value after them. */
export function switchFlags(): string[] {
  const out = new Set<string>();
  for (const call of Object.keys(calls) as CallName[]) {
    let options: CliOption[];
    try {
      options = callOptions(call);
    } catch {
      continue; // a request that is not an object has no flags
    }
    for (const o of options) if (o.kind === 'boolean') out.add(o.flag);
  }
  return [...out];
}

/** The options of a call's request. */
export function callOptions(call: CallName, rename: Record<string, string> = {}): CliOption[] {
  return cliOptions(calls[call].request as z.ZodType, rename);
}

function convert(o: CliOption, flags: Flags): unknown {
  if (o.kind === 'boolean') return flags.has(o.flag) ? true : undefined;
  if (o.kind === 'number' || o.kind === 'integer') return flags.number(o.flag);
  if (o.kind === 'number-list') return flags.numberList(o.flag);
  const v = flags.string(o.flag);
  if (v !== undefined && o.choices && !o.choices.includes(v)) throw new Error(`--${o.flag} must be one of ${o.choices.join(', ')}; got "${v}"`);
  return v;
}

/** The raw request the flags give (absent flags are left out, so the schema's defaults apply). */
export function requestFromFlags(options: CliOption[], flags: Flags, fixed: Record<string, unknown> = {}): Record<string, unknown> {
  const request: Record<string, unknown> = {};
  for (const o of options) {
    if (o.field in fixed) continue;
    const v = convert(o, flags);
    if (v !== undefined) request[o.field] = v;
  }
  return { ...request, ...fixed };
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  input?: unknown;
  params?: { mentions?: string[] };
}

/** A contract message with the fields it mentions written as flags: `score "learned"` -> `--score learned`. */
function withFlags(message: string, mentions: string[], flagFor: (field: string) => string): string {
  let out = message;
  for (const m of mentions) {
    const [field, value] = m.split('=') as [string, string | undefined];
    if (value !== undefined) out = out.replace(`${field} "${value}"`, `--${flagFor(field)} ${value}`);
    else out = out.replace(new RegExp(`(^|[^\\w-])${field}(?!\\w)`), `$1--${flagFor(field)}`);
  }
  return out;
}

/** One line per refusal, naming the flag: "--patch: patch must be odd", "--data is required: ...". */
export function describeIssues(issues: readonly Issue[], options: CliOption[]): string {
  const byField = new Map(options.map((o) => [o.field, o]));
  const flagFor = (field: string) => byField.get(field)?.flag ?? flagOf(field);
  return issues.map((issue) => {
    const field = issue.path.length ? String(issue.path[0]) : null;
    const option = field ? byField.get(field) : undefined;
    if (option && issue.code === 'invalid_type' && issue.input === undefined) {
      return `--${option.flag} is required${option.description ? `: ${option.description}` : ''}`;
    }
    if (issue.params?.mentions?.length) return withFlags(issue.message, issue.params.mentions, flagFor);
    const where = issue.path.length ? `--${flagFor(String(issue.path[0]))}${issue.path.length > 1 ? `[${issue.path.slice(1).join('.')}]` : ''}` : 'request';
    return `${where}: ${issue.message}`;
  }).join('; ');
}

/**
 * The request a command's flags give, checked by the call's contract schema (the service checks
 * it again at its door: the same schema). Throws the refusals with the flags' names.
 */
export function checkedRequest(call: CallName, options: CliOption[], flags: Flags, fixed: Record<string, unknown> = {}): Record<string, unknown> {
  const raw = requestFromFlags(options, flags, fixed);
  const result = (calls[call].request as z.ZodType).safeParse(raw);
  if (!result.success) throw new Error(describeIssues(result.error.issues as unknown as Issue[], options));
  return raw;
}

function typeText(o: CliOption): string {
  if (o.choices) return o.choices.join('|');
  return { number: 'NUMBER', integer: 'N', string: 'TEXT', boolean: '', 'number-list': 'N,N,...', choice: 'CHOICE' }[o.kind];
}

function defaultText(v: unknown): string {
  if (typeof v === 'number' && !Number.isInteger(v)) return String(Number(v.toPrecision(4)));
  return Array.isArray(v) ? v.join(',') : String(v);
}

/** Help lines for options, `--flag TYPE  description; default X`, then `extra` [head, text] lines (CLI-only flags). */
export function optionsHelp(options: CliOption[], extra: [string, string][] = [], indent = '  '): string {
  const rows: [string, string][] = options.map((o) => [
    `--${o.flag}${typeText(o) ? ` ${typeText(o)}` : ''}`,
    [o.description, o.required ? 'required' : o.default !== undefined ? `default ${defaultText(o.default)}` : null].filter(Boolean).join('; '),
  ]);
  rows.push(...extra);
  const width = Math.min(30, Math.max(...rows.map(([h]) => h.length)) + 2);
  return rows.map(([head, notes]) => `${indent}${head.length >= width ? `${head}\n${indent}${' '.repeat(width)}` : head.padEnd(width)}${notes}`).join('\n');
}
