/**
 * Reads a request body on uWS, bounded. The caller registers res.onAborted first (uWS requires it
 * before anything asynchronous) and calls this in the handler's own tick: onData must be attached
 * before the handler returns. uWS hands out chunks in an ArrayBuffer it reuses after the callback,
 * so each chunk is copied.
 */
import type { HttpResponse } from './uws.js';

export interface BodySink {
  /** The whole body, once the last chunk arrived. */
  readonly done: (body: Buffer) => void;
  /** More than `maxBytes` arrived (a lying content-length); later chunks are ignored. */
  readonly tooLarge: () => void;
}

export function readBody(res: HttpResponse, maxBytes: number, sink: BodySink): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  res.onData((chunk, isLast) => {
    if (over) return;
    size += chunk.byteLength;
    if (size > maxBytes) {
      over = true;
      sink.tooLarge();
      return;
    }
    // Copy: the ArrayBuffer is only valid during this callback.
    if (chunk.byteLength > 0) chunks.push(Buffer.from(chunk.slice(0)));
    if (isLast) sink.done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
  });
}
