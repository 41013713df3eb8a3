/**
 * The work a pool worker runs. Micro-batched tasks (`runBatch`: every task queued in one event-loop
 * turn travels as one message, since a piscina round trip costs ~150-230 us against a few us per
 * address check) and the batch jobs a large POST /address/balances sends whole (`checkMany`,
 * `itemsOf`).
 */
import type { ChecksumMode } from '../config/config.js';
import { runProofTask, type ProofTask, type ProofTaskResult } from '../verify/proof-task.js';
import { checkAddress, type AddressCheck, type AddressRejection } from './address.js';
import { balanceItems } from './balances.js';

/** Each kind of task: what it takes and what it gives back. */
export interface CodecKinds {
  readonly check: {
    readonly task: { readonly input: string; readonly mode: ChecksumMode };
    readonly result: AddressCheck;
  };
  /** An account proof checked against a trusted state root (src/verify/proof-task.ts). */
  readonly proof: {
    readonly task: ProofTask;
    readonly result: ProofTaskResult;
  };
}

export type CodecKind = keyof CodecKinds;
export type CodecTask<K extends CodecKind = CodecKind> = { [P in K]: { readonly kind: P } & CodecKinds[P]['task'] }[K];
export type CodecResult<K extends CodecKind = CodecKind> = CodecKinds[K]['result'];

const RUN: { readonly [K in CodecKind]: (task: CodecTask<K>) => CodecResult<K> | Promise<CodecResult<K>> } = {
  check: (task) => checkAddress(task.input, task.mode),
  proof: (task) => runProofTask(task),
};

export function runTask<K extends CodecKind>(task: CodecTask<K>): CodecResult<K> | Promise<CodecResult<K>> {
  const run: (task: CodecTask<K>) => CodecResult<K> | Promise<CodecResult<K>> = RUN[task.kind];
  return run(task);
}

export function runBatch(tasks: readonly CodecTask[]): Promise<CodecResult[]> {
  return Promise.all(tasks.map(runTask));
}

/**
 * EIP-55 checks of many inputs. An accepted input comes back as its address string alone: a
 * structured clone of 1,000 result objects cost the main thread more than the checks themselves.
 */
export function checkMany(task: { readonly inputs: readonly string[]; readonly mode: ChecksumMode }): (string | AddressRejection)[] {
  const out = new Array<string | AddressRejection>(task.inputs.length);
  for (let i = 0; i < task.inputs.length; i++) {
    const check = checkAddress(task.inputs[i]!, task.mode);
    out[i] = check.ok ? check.address : check;
  }
  return out;
}

/** The checks `checkMany` sent, as AddressChecks again. */
export function checksFrom(sent: readonly (string | AddressRejection)[]): AddressCheck[] {
  return sent.map((c) => (typeof c === 'string' ? { ok: true, address: c } : c));
}

/** Batch items (codec/balances.ts) of (EIP-55 address, wei as a decimal string) pairs, as one task. */
export function itemsOf(task: { readonly addresses: readonly string[]; readonly weis: readonly string[] }): string[] {
  return balanceItems(task.addresses, task.weis);
}
