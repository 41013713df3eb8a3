/**
 * The one table of service errors. Each has a stable string code (clients branch on it), its HTTP
 * status, and a title; `detail` and extra members are per occurrence. Modelled on undici's
 * UND_ERR_* codes and fastify's error registry.
 */
export const ERRORS = {
  INVALID_ADDRESS: { status: 400, title: 'Invalid address' },
  ADDRESS_NOT_CHECKSUMMED: { status: 400, title: 'Address is not EIP-55 checksummed' },
  BAD_CHECKSUM: { status: 400, title: 'Address has an invalid EIP-55 checksum' },
  BAD_REQUEST: { status: 400, title: 'Bad request' },
  INVALID_BLOCK_TAG: { status: 400, title: 'Invalid block tag' },
  UNKNOWN_NETWORK: { status: 400, title: 'Network not served here' },
  VERIFY_UNSUPPORTED: { status: 400, title: 'Verified reads are not supported on this network' },
  INVALID_BODY: { status: 400, title: 'Invalid request body' },
  TOO_MANY_ADDRESSES: { status: 400, title: 'Too many addresses' },
  INVALID_ADDRESSES: { status: 400, title: 'Invalid addresses' },
  BODY_NOT_ALLOWED: { status: 400, title: 'This method takes no request body' },
  UNAUTHORIZED: { status: 401, title: 'Missing or unknown API key' },
  ORIGIN_NOT_ALLOWED: { status: 403, title: 'Origin not allowed' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  BLOCK_NOT_FOUND: { status: 404, title: 'Block not found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  URI_TOO_LONG: { status: 414, title: 'URI too long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  HEADERS_TOO_LARGE: { status: 431, title: 'Request header fields too large' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  NOT_READY: { status: 503, title: 'Service not ready' },
  TOO_MANY_CONNECTIONS: { status: 503, title: 'Too many WebSocket connections' },
  UPSTREAM_UNAVAILABLE: { status: 502, title: 'Upstream providers failed' },
  UNVERIFIABLE: { status: 502, title: 'No provider gave a verifiable answer' },
  STATE_UNAVAILABLE: { status: 502, title: 'No provider has the state of that block' },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class ServiceError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra problem members (e.g. the checksummed address); must never carry secrets. */
  readonly extra: Readonly<Record<string, unknown>> | undefined;
  /** Whole seconds for a Retry-After header: when asking again can help (every provider backed off). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    detail: string,
    options?: { cause?: unknown; extra?: Record<string, unknown>; retryAfterSeconds?: number | undefined },
  ) {
    super(detail, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ServiceError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.extra = options?.extra;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** The code in kebab case: the last segment of its problem type (BAD_CHECKSUM -> bad-checksum). */
export function problemSlug(code: ErrorCode): string {
  return code.toLowerCase().replaceAll('_', '-');
}

/**
 * Where problem `type` URIs point: '' (a relative reference, RFC 9457 section 3.1.1) or the
 * service's public origin (PUBLIC_BASE_URL) without a trailing slash. Process-wide because a
 * process serves one public origin and problem bodies are built far from any config (admission,
 * the reader's errors); createServer sets it from its config, every time.
 */
let typeBase = '';

export function setProblemTypeBase(base: string | undefined): void {
  typeBase = base ?? '';
}

/** The URI of a code's problem type: `/problems/<slug>`, under PUBLIC_BASE_URL when set. The service answers it. */
export function problemType(code: ErrorCode, base: string = typeBase): string {
  return `${base}/problems/${problemSlug(code)}`;
}

/** RFC 9457 problem details body for an error; anything that is not a ServiceError is a 500. */
export function problemOf(error: unknown, instance?: string): Record<string, unknown> {
  const se = error instanceof ServiceError ? error : new ServiceError('INTERNAL', 'Unexpected error');
  return problemDetails(se.code, se.message, instance, se.extra);
}

/** The same body without an Error object (no stack capture): for answers written at high rates. */
export function problemDetails(
  code: ErrorCode,
  detail: string,
  instance?: string,
  extra?: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const entry = ERRORS[code];
  return {
    type: problemType(code),
    title: entry.title,
    status: entry.status,
    code,
    detail,
    ...(instance === undefined ? {} : { instance }),
    ...extra,
  };
}

/**
 * Log fields for an error: a ServiceError's code, detail and (redacted) extra; else (our own bug, or
 * a failure from outside the service's classification) its message and stack.
 */
export function errorLogFields(error: unknown): Record<string, unknown> {
  if (error instanceof ServiceError) return { code: error.code, detail: error.message, ...error.extra };
  if (error instanceof Error) return { err: error.message, stack: error.stack };
  return { err: String(error) };
}
