/** Writing responses on uWS: status lines, JSON and problem+json bodies, common headers. */
import type { HttpResponse } from 'uWebSockets.js';
import { problemOf, ServiceError } from '../errors.js';

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: '200 OK',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  413: '413 Payload Too Large',
  414: '414 URI Too Long',
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

/** Writes a whole response. Must run corked (inside the handler's own tick, or in res.cork). */
export function writeBody(
  res: HttpResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  headers: ExtraHeaders = [],
): void {
  res.writeStatus(statusLine(status));
  res.writeHeader('content-type', contentType);
  res.writeHeader('x-content-type-options', 'nosniff');
  res.writeHeader('cache-control', 'no-store');
  for (const [name, value] of headers) res.writeHeader(name, value);
  res.end(body);
}

export function writeJson(res: HttpResponse, status: number, value: unknown, headers: ExtraHeaders = []): void {
  writeBody(res, status, 'application/json', JSON.stringify(value), headers);
}

export function writeProblem(res: HttpResponse, error: unknown, instance?: string, headers: ExtraHeaders = []): void {
  const problem = problemOf(error, instance);
  writeBody(res, problem.status as number, 'application/problem+json', JSON.stringify(problem), headers);
}

export function problem(code: ConstructorParameters<typeof ServiceError>[0], detail: string, extra?: Record<string, unknown>): ServiceError {
  return new ServiceError(code, detail, extra === undefined ? undefined : { extra });
}
