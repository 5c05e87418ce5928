import { InvalidArgumentsError } from "../errors/invalid-arguments-error";

/** Positive integer ids from a list option; a bad one is a usage error that names it. */
export function parseIds(values: string[] | undefined, what: string): number[] {
  const ids: number[] = [];
  for (const v of values ?? []) {
    if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) throw new InvalidArgumentsError(`invalid ${what} "${v}": ids are positive integers`);
    ids.push(Number(v));
  }
  return [...new Set(ids)];
}

export function parseIntOption(value: string | undefined, flag: string, opts: { default: number; min?: number; max?: number }): number {
  if (value === undefined) return opts.default;
  if (!/^\d+$/.test(value)) throw new InvalidArgumentsError(`${flag} must be a whole number, got "${value}"`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentsError(`${flag} is out of range, got "${value}"`);
  if (opts.min !== undefined && n < opts.min) throw new InvalidArgumentsError(`${flag} must be at least ${opts.min}`);
  if (opts.max !== undefined && n > opts.max) throw new InvalidArgumentsError(`${flag} must be at most ${opts.max}, got ${n}`);
  return n;
}
