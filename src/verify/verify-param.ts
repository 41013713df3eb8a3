/**
 * The `verify` query parameter of the balance routes: `true` or `false` override VERIFY_PROOFS for
 * one request; absent or empty keeps the default. Anything else is refused (undefined), so a typo
 * never silently downgrades a read a client meant to be verified.
 */
export function verifyParam(value: string | undefined, fallback: boolean): boolean | undefined {
  if (value === undefined || value === '') return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

export const VERIFY_PARAM_ERROR = 'the verify parameter must be true or false';
