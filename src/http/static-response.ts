/**
 * Writing cacheable responses (the docs page, its assets, the problem type pages): unlike the
 * API's answers (responses.ts, always `cache-control: no-store`), these carry their own
 * cache-control and an ETag, and answer a matching If-None-Match with 304.
 */
import type { HttpResponse } from './uws.js';
import { statusLine, type ExtraHeaders } from './responses.js';

export interface StaticBody {
  readonly contentType: string;
  readonly body: Buffer;
  /** Strong validator, quoted: `"<hash>"`. */
  readonly etag: string;
  readonly cacheControl: string;
  /** content-security-policy, vary, content-encoding, ... */
  readonly headers: ExtraHeaders;
}

/** True when an If-None-Match header value names `etag` (or is `*`). */
export function matches(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch === '') return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** Writes `item` (or 304 when `ifNoneMatch` names it); returns the status. Must run corked. */
export function writeStatic(res: HttpResponse, item: StaticBody, requestId: string, ifNoneMatch: string): number {
  const notModified = matches(ifNoneMatch, item.etag);
  if (notModified) res.writeStatus(statusLine(304));
  let block = `nosniff\r\nx-request-id: ${requestId}\r\ncache-control: ${item.cacheControl}\r\netag: ${item.etag}`;
  if (!notModified) block += `\r\ncontent-type: ${item.contentType}`;
  for (const [name, value] of item.headers) block += `\r\n${name}: ${value}`;
  res.writeHeader('x-content-type-options', block);
  if (notModified) res.endWithoutBody();
  else res.end(item.body);
  return notModified ? 304 : 200;
}
