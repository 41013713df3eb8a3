/**
 * Checks the watch protocol against its AsyncAPI document, for tests: the document itself with
 * @asyncapi/parser (the AsyncAPI initiative's own parser and its Spectral ruleset), and each
 * message, client or server, against its payload schema with ajv (AsyncAPI schemas are a
 * superset of JSON Schema draft-07, ajv's default dialect). Kept out of src/watch/ so neither
 * package reaches the production build.
 */
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { Ajv, type ValidateFunction } from 'ajv';
import { WATCH_DEFAULTS } from '../config/watch-config.js';
import { asyncApiDocument } from '../watch/asyncapi.js';
import type { ClientOp, ServerOp } from '../watch/messages.js';

type Json = Record<string, unknown>;
export type WatchOp = ClientOp | ServerOp;

export interface Finding {
  readonly severity: 'error' | 'warning';
  readonly code: string | number;
  readonly message: string;
  readonly path: string;
}

/** What @asyncapi/parser finds at error or warning level (informational hints are left out). */
export async function asyncApiFindings(document: Json | string): Promise<Finding[]> {
  const { diagnostics } = await new Parser().parse(typeof document === 'string' ? document : JSON.stringify(document));
  return diagnostics
    .filter((d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning)
    .map((d) => ({ severity: d.severity === DiagnosticSeverity.Error ? 'error' : 'warning', code: d.code, message: d.message, path: d.path.join('.') }));
}

const DEFAULT_DOCUMENT = asyncApiDocument({ maxAddresses: WATCH_DEFAULTS.WATCH_MAX_ADDRESSES, maxSubscriptions: WATCH_DEFAULTS.WATCH_MAX_SUBSCRIPTIONS });
const ajv = new Ajv({ strict: false, allErrors: true });
const compiled = new WeakMap<Json, Map<string, ValidateFunction>>();

function validator(op: string, document: Json): ValidateFunction | undefined {
  let byOp = compiled.get(document);
  if (byOp === undefined) compiled.set(document, (byOp = new Map()));
  let validate = byOp.get(op);
  if (validate === undefined) {
    const messages = (document.components as { messages: Record<string, { payload: Json } | undefined> }).messages;
    const payload = Object.hasOwn(messages, op) ? messages[op]?.payload : undefined;
    if (payload === undefined) return undefined;
    byOp.set(op, (validate = ajv.compile(payload)));
  }
  return validate;
}

/**
 * The schema errors of `message` as the message `op` of the document (default: the one served with
 * the default WATCH_* limits); empty when it is valid.
 */
export function validateWatchMessage(op: WatchOp, message: unknown, document: Json = DEFAULT_DOCUMENT): string[] {
  const validate = validator(op, document);
  if (validate === undefined) return [`no message "${op}" in the AsyncAPI document`];
  if (validate(message)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(message)'} ${e.message ?? 'is invalid'}${e.params === undefined ? '' : ' ' + JSON.stringify(e.params)}`);
}

/** Throws, naming every schema error, unless `message` (an object or a text frame) is a documented message of its own `op`. */
export function assertWatchMessage(message: unknown, document: Json = DEFAULT_DOCUMENT): void {
  const value: unknown = typeof message === 'string' ? JSON.parse(message) : message;
  const op = (value as { op?: unknown } | null)?.op;
  if (typeof op !== 'string') throw new Error(`not a watch message (no "op"): ${JSON.stringify(value)?.slice(0, 200)}`);
  const errors = validateWatchMessage(op as WatchOp, value, document);
  if (errors.length > 0) throw new Error(`"${op}" message breaks the AsyncAPI document: ${errors.join('; ')}\n${JSON.stringify(value).slice(0, 500)}`);
}
