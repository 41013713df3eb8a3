/**
 * What a request must pass before any work is done for it: the shape checks (URL length, no body
 * where none belongs, body size) and, when configured, an API key and a rate limit. A check that is
 * not configured costs nothing: the server holds `undefined` instead of an AccessControl.
 */
import type { HttpRequest, HttpResponse } from './uws.js';
import { rateLimit, type Config } from '../config/config.js';
import type { ErrorCode } from '../errors.js';
import type { HttpRecorder } from '../observability/metrics.js';
import { ApiKeys, type ApiKey } from './api-keys.js';
import { forwardedClient, socketAddress } from './client-address.js';
import { RateLimiter, retryAfterSeconds, takeToken, takeTokens } from './rate-limit.js';
import { NO_HEADERS, type ExtraHeaders } from './responses.js';

export const MAX_URL_LENGTH = 2048;
/** Largest request body a route reads unless it sets its own (RequestFlow's maxBody). */
export const MAX_BODY_BYTES = 16 * 1024;

/** A refusal, kept as plain data: refusals come in floods, and an Error would capture a stack each. */
export interface Rejection {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly extra: Readonly<Record<string, unknown>> | undefined;
  readonly headers: ExtraHeaders;
  /** Close the connection after answering (a request body is left unread). */
  readonly close: boolean;
}

const reject = (
  code: ErrorCode,
  detail: string,
  close = false,
  headers: ExtraHeaders = NO_HEADERS,
  extra?: Record<string, unknown>,
): Rejection => Object.freeze({ code, detail, extra, headers, close });

const URI_TOO_LONG = reject('URI_TOO_LONG', `the URL is longer than ${MAX_URL_LENGTH} characters`);
const BODY_TOO_LARGE = reject('PAYLOAD_TOO_LARGE', `request bodies are limited to ${MAX_BODY_BYTES} bytes`, true);
const BAD_LENGTH = reject('BAD_REQUEST', 'content-length must be a decimal number of bytes', true);
const UNKNOWN_LENGTH = reject('PAYLOAD_TOO_LARGE', `a request body needs a content-length (at most ${MAX_BODY_BYTES} bytes)`, true);
const UNAUTHORIZED = reject('UNAUTHORIZED', 'send a valid API key in the x-api-key header');

const BODYLESS = new Set(['get', 'head', 'options', 'delete', 'trace']);

/**
 * Shape checks, given what the handler already read. A refused body is never read: the answer
 * closes the connection. Other methods may carry a small body with a content-length (routing then
 * answers 405 and uWS skips the bytes); a body of unknown length (chunked) is refused outright.
 */
export function screen(url: string, method: string, contentLength: string, transferEncoding: string, maxBytes = MAX_BODY_BYTES): Rejection | undefined {
  if (url.length > MAX_URL_LENGTH) return URI_TOO_LONG;
  if (contentLength === '' && transferEncoding === '') return undefined;
  let length = 0;
  if (contentLength !== '') {
    if (!/^\d{1,15}$/.test(contentLength)) return BAD_LENGTH;
    length = Number(contentLength);
    if (length > maxBytes) {
      return maxBytes === MAX_BODY_BYTES ? BODY_TOO_LARGE : reject('PAYLOAD_TOO_LARGE', `request bodies here are limited to ${maxBytes} bytes`, true);
    }
  }
  if (transferEncoding === '' && length === 0) return undefined;
  if (BODYLESS.has(method)) return reject('BODY_NOT_ALLOWED', `${method.toUpperCase()} requests take no body`, true);
  return transferEncoding === '' ? undefined : UNKNOWN_LENGTH;
}

/** API keys and rate limits. Constructed only when at least one of them is configured. */
export class AccessControl {
  private readonly keys: ApiKeys | undefined;
  readonly clients: RateLimiter | undefined;
  private readonly hops: number;

  constructor(
    config: Config,
    private readonly recorder: HttpRecorder,
  ) {
    const fallback = rateLimit(config.rateLimitRps, config.rateLimitBurst);
    this.keys = config.apiKeys.length === 0 ? undefined : new ApiKeys(config.apiKeys, fallback);
    // With API keys the limit is per key; without, per client.
    this.clients =
      this.keys === undefined && fallback !== undefined ? new RateLimiter(fallback.rps, fallback.burst, config.rateLimitMaxClients) : undefined;
    this.hops = config.trustedProxyHops;
  }

  static needed(config: Config): boolean {
    return config.apiKeys.length > 0 || config.rateLimitRps !== undefined;
  }

  /** undefined: go ahead. Must run before any await (it reads `req` and the socket). */
  admit(res: HttpResponse, req: HttpRequest, now: number): Rejection | undefined {
    if (this.keys !== undefined) {
      const key = this.keys.find(req.getHeader('x-api-key'));
      if (key === undefined) return UNAUTHORIZED;
      if (key.limit === undefined) return undefined;
      const wait = takeToken(key.limit.bucket, now, key.limit.rps, key.limit.burst);
      if (wait === 0) return undefined;
      this.recorder.rateLimited.key++;
      return limited(key.name, wait, `API key "${key.name}" is limited to ${key.limit.rps} requests per second (burst ${key.limit.burst})`);
    }
    if (this.clients !== undefined) {
      const client = (this.hops > 0 ? forwardedClient(req.getHeader('x-forwarded-for'), this.hops) : undefined) ?? socketAddress(res);
      const wait = this.clients.take(client, now);
      if (wait === 0) return undefined;
      this.recorder.rateLimited.client++;
      return limited('', wait, `each client is limited to ${this.clients.rps} requests per second (burst ${this.clients.burst})`);
    }
    return undefined;
  }

  /**
   * The API key (UNAUTHORIZED when missing) or client that pays; no token taken. Before any await.
   * `presented`: the key as the caller found it (GET /watch also takes it from a subprotocol).
   */
  identify(res: HttpResponse, req: HttpRequest, presented: string = req.getHeader('x-api-key')): { refusal: Rejection } | { payer: Payer } {
    if (this.keys !== undefined) {
      const key = this.keys.find(presented);
      return key === undefined ? { refusal: UNAUTHORIZED } : { payer: { key } };
    }
    if (this.clients !== undefined) {
      return { payer: { client: (this.hops > 0 ? forwardedClient(req.getHeader('x-forwarded-for'), this.hops) : undefined) ?? socketAddress(res) } };
    }
    return { payer: undefined };
  }

  /** Takes `n` tokens from `payer` (takeTokens); undefined: go ahead. */
  charge(payer: Payer, n: number, now: number): Rejection | undefined {
    if (payer === undefined) return undefined;
    if ('key' in payer) {
      const { key } = payer;
      if (key.limit === undefined) return undefined;
      const wait = takeTokens(key.limit.bucket, now, key.limit.rps, key.limit.burst, n);
      if (wait === 0) return undefined;
      this.recorder.rateLimited.key++;
      return limited(key.name, wait, `API key "${key.name}" is limited to ${key.limit.rps} requests per second (burst ${key.limit.burst}); a batch of n addresses counts n`);
    }
    if (this.clients === undefined) return undefined;
    const wait = this.clients.takeMany(payer.client, now, n);
    if (wait === 0) return undefined;
    this.recorder.rateLimited.client++;
    return limited('', wait, `each client is limited to ${this.clients.rps} requests per second (burst ${this.clients.burst}); a batch of n addresses counts n`);
  }
}

/** Who pays for a request's rate-limit tokens: an API key, a client address, or nobody (unlimited). */
export type Payer = { readonly key: ApiKey } | { readonly client: string } | undefined;

/**
 * For a request whose cost is known only after its body is read (a batch of n addresses counts n):
 * AccessControl.identify checks the key and notes who pays, before any await; charge takes the
 * tokens once the count is known.
 */

/** 429 answers by (limit, seconds): a flood of refusals allocates nothing new. */
const limitedAnswers = new Map<string, Rejection>();

function limited(scope: string, wait: number, detail: string): Rejection {
  const seconds = retryAfterSeconds(wait);
  const id = `${scope}|${seconds}`;
  let answer = limitedAnswers.get(id);
  if (answer === undefined) {
    if (limitedAnswers.size > 10_000) limitedAnswers.clear();
    answer = reject('RATE_LIMITED', `${detail}; retry after ${seconds} s`, false, [['retry-after', String(seconds)]], { retryAfterSeconds: seconds });
    limitedAnswers.set(id, answer);
  }
  return answer;
}
