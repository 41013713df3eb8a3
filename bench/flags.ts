import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * A flag's default, which also says its kind: a number makes a numeric flag (`--connections 64`),
 * a string a text flag (`--seeds 1,2,3`), `false` a switch (`--quick`), `null` an optional text
 * flag with no default (`--tool`, `--out`).
 */
type FlagDefault = number | string | boolean | null;

type FlagValues<T extends Record<string, FlagDefault>> = {
  [K in keyof T]: T[K] extends number ? number : T[K] extends boolean ? boolean : T[K] extends string ? string : string | undefined;
};

/**
 * The bench scripts' command lines, each from one table of flags and defaults. Numeric flags come
 * back as numbers; one that is not a number stops the run naming the flag, rather than measuring
 * with NaN. Unknown flags and positionals are refused, as parseArgs does by default.
 */
export function benchFlags<const T extends Record<string, FlagDefault>>(defaults: T, args: string[] = process.argv.slice(2)): FlagValues<T> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, fallback] of Object.entries(defaults)) {
    if (typeof fallback === 'boolean') options[name] = { type: 'boolean', default: fallback };
    else if (fallback === null) options[name] = { type: 'string' };
    else options[name] = { type: 'string', default: String(fallback) };
  }
  const { values } = parseArgs({ args, options });
  const parsed: Record<string, unknown> = {};
  for (const [name, fallback] of Object.entries(defaults)) {
    const value = values[name];
    if (typeof fallback !== 'number') {
      parsed[name] = value;
      continue;
    }
    const number = Number(value);
    if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(number)) throw new Error(`--${name} must be a number, got ${JSON.stringify(value)}`);
    parsed[name] = number;
  }
  return parsed as FlagValues<T>;
}
