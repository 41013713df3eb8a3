/**
 * Who the client is, for rate limiting. Without trusted proxies it is the socket's peer address.
 * Behind n trusted proxies (the ALB is one) it is the n-th X-Forwarded-For entry from the right:
 * each proxy appends the address it received the request from, so the entries right of that one
 * were written by our proxies and everything left of it came from the client and proves nothing.
 */
import type { HttpResponse } from './uws.js';

/** Only the tail of a long header matters (we read from the right); it bounds the work. */
const MAX_SCANNED = 1024;
const ADDRESS = /^[0-9A-Fa-f:.]{2,45}$/;

/**
 * The n-th entry from the right of an X-Forwarded-For value, or the leftmost when there are fewer
 * (then every entry was written by a trusted proxy). undefined when absent or not an IP address.
 */
export function forwardedClient(header: string, hops: number): string | undefined {
  if (header === '' || hops < 1) return undefined;
  const value = header.length > MAX_SCANNED ? header.slice(header.length - MAX_SCANNED) : header;
  let end = value.length;
  for (let i = 1; ; i++) {
    const comma = value.lastIndexOf(',', end - 1);
    if (i === hops || comma < 0) {
      const entry = value.slice(comma + 1, end).trim();
      return ADDRESS.test(entry) ? entry : undefined;
    }
    end = comma;
  }
}

/** The peer address as text ("127.0.0.1", "::1"). Must be called before any await. */
export function socketAddress(res: HttpResponse): string {
  return Buffer.from(res.getRemoteAddressAsText()).toString('latin1');
}
