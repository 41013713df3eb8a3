/**
 * Request ids: the caller's `x-request-id` when it is usable, a generated one otherwise. Generating
 * is a counter behind a random per-process prefix (unique across tasks, no randomness per request).
 */
import { randomBytes } from 'node:crypto';

export const MAX_REQUEST_ID_LENGTH = 128;
const SAFE = /^[A-Za-z0-9._:/+=@-]+$/;
const UNSAFE = /[^A-Za-z0-9._:/+=@-]/g;

/**
 * The caller's id made safe to echo and log: at most 128 characters from a conservative set.
 * undefined when nothing usable is left.
 */
export function sanitizeRequestId(given: string): string | undefined {
  if (given.length <= MAX_REQUEST_ID_LENGTH && SAFE.test(given)) return given;
  const cleaned = given.slice(0, MAX_REQUEST_ID_LENGTH * 4).replace(UNSAFE, '').slice(0, MAX_REQUEST_ID_LENGTH);
  return cleaned === '' ? undefined : cleaned;
}

export class RequestIds {
  private count = 0;
  private readonly prefix: string;

  constructor(prefix: string = randomBytes(6).toString('base64url')) {
    this.prefix = `${prefix}-`;
  }

  next(): string {
    return this.prefix + ++this.count;
  }

  /** The id for a request whose x-request-id header is `given` ('' when absent). */
  from(given: string): string {
    if (given === '') return this.next();
    return sanitizeRequestId(given) ?? this.next();
  }
}
