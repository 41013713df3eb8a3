/** Writing responses on uWS: status lines, JSON and problem+json bodies, common headers. */
import type { HttpResponse } from './uws.js';
import { problemDetails, problemOf, ServiceError, type ErrorCode } from '../errors.js';

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: '200 OK',
  204: '204 No Content',
  304: '304 Not Modified',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  413: '413 Payload Too Large',
  414: '414 URI Too Long',
  415: '415 Unsupported Media Type',
  429: '429 Too Many Requests',
  431: '431 Request Header Fields Too Large',
  500: '500 Internal Server Error',
  502: '502 Bad Gateway',
  503: '503 Service Unavailable',
};

export function statusLine(status: number): string {
  return STATUS_TEXT[status] ?? `${status} Status`;
}

export type ExtraHeaders = readonly (readonly [string, string])[];
export const NO_HEADERS: ExtraHeaders = Object.freeze([]);

export const JSON_TYPE = 'application/json';
export const PROBLEM_TYPE = 'application/problem+json';

/**
 * Every header we always send, as one block after the content type. uWS copies a header value
 * verbatim, so one writeHeader call can carry several lines: each call is a JS -> C++ crossing
 * that costs about as much as the rest of a cache hit's JS, and this keeps a response to two.
 * Safe because nothing written here can hold CR or LF: the values are constants, numbers, and
 * request ids already reduced to [A-Za-z0-9._:/+=@-].
 */
export const COMMON_HEADERS = '\r\nx-content-type-options: nosniff\r\ncache-control: no-store\r\nx-request-id: ';

export interface BodyOptions {
  readonly requestId: string;
  /** Extra response headers (CORS, Allow, Retry-After). */
  readonly headers?: ExtraHeaders | undefined;
  /** End the connection after the response (a request body left unread). */
  readonly close?: boolean | undefined;
  /** A HEAD request: status and headers only (uWS would send the body otherwise). */
  readonly omitBody?: boolean | undefined;
}

/**
 * Writes a whole response. Must run corked (inside the handler's own tick, or in res.cork). A
 * RequestContext is itself a BodyOptions (its requestId and headers), so the cache hit passes it
 * and allocates nothing. There is no Server header, and no `uWebSockets: 20` either:
 * src/http/uws.ts silences it before the App is created.
 */
export function writeBody(res: HttpResponse, status: number, contentType: string, body: string | Buffer, options: BodyOptions): void {
  // uWS writes "200 OK" itself when no status was written: one native call fewer on every hit.
  if (status !== 200) res.writeStatus(statusLine(status));
  let block = contentType + COMMON_HEADERS + options.requestId;
  const headers = options.headers ?? NO_HEADERS;
  for (let i = 0; i < headers.length; i++) block += `\r\n${headers[i]![0]}: ${headers[i]![1]}`;
  res.writeHeader('content-type', block);
  // endWithoutBody() only without arguments: with a length this uWS build aborts the process.
  // When closing anyway, the body is harmless (nothing follows it on the connection).
  if (options.omitBody === true && options.close !== true) res.endWithoutBody();
  else res.end(body, options.close === true);
}

/** A response without a body (204). */
export function writeEmpty(res: HttpResponse, status: number, requestId: string, headers: ExtraHeaders = NO_HEADERS): void {
  res.writeStatus(statusLine(status));
  let block = `nosniff\r\nx-request-id: ${requestId}`;
  for (let i = 0; i < headers.length; i++) block += `\r\n${headers[i]![0]}: ${headers[i]![1]}`;
  res.writeHeader('x-content-type-options', block);
  res.endWithoutBody();
}

/** Writes a problem+json body for `error` (problemOf: ours or a ServiceError); returns the status written. */
export function writeProblem(res: HttpResponse, error: unknown, instance: string | undefined, options: BodyOptions): number {
  const body = problemOf(error, instance);
  const status = body.status as number;
  const retryAfter = error instanceof ServiceError ? error.retryAfterSeconds : undefined;
  const sent: BodyOptions =
    retryAfter === undefined
      ? options
      : { requestId: options.requestId, headers: withHeaders(options.headers ?? NO_HEADERS, [['retry-after', String(retryAfter)]]), close: options.close, omitBody: options.omitBody };
  writeBody(res, status, PROBLEM_TYPE, JSON.stringify(body), sent);
  return status;
}

export interface ProblemOptions {
  readonly instance?: string | undefined;
  readonly extra?: Readonly<Record<string, unknown>> | undefined;
  readonly headers?: ExtraHeaders | undefined;
  readonly close?: boolean | undefined;
  /** A HEAD request: status and headers only. */
  readonly omitBody?: boolean | undefined;
}

/** A problem+json answer from a code and detail, without an Error object; returns the status. */
export function writeProblemDetails(res: HttpResponse, code: ErrorCode, detail: string, requestId: string, options: ProblemOptions = {}): number {
  const body = problemDetails(code, detail, options.instance, options.extra);
  const status = body.status as number;
  writeBody(res, status, PROBLEM_TYPE, JSON.stringify(body), { requestId, headers: options.headers, close: options.close, omitBody: options.omitBody });
  return status;
}

/** Both header lists (allocates only when both have entries). */
export function withHeaders(a: ExtraHeaders, b: ExtraHeaders): ExtraHeaders {
  return a.length === 0 ? b : b.length === 0 ? a : [...a, ...b];
}
