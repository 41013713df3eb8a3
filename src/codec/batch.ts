/**
 * The codec work a worker runs, as one batch per message: a piscina round trip costs ~230 us here
 * against a few us of work per item, so only batches can pay for the hop.
 */
import type { ChecksumMode } from '../config/config.js';
import { checkAddress, type AddressCheck } from './address.js';
import { balanceBody, type VerifiedAt } from './format.js';

/** Each kind of task: what it takes and what it gives back. */
export interface CodecKinds {
  readonly check: {
    readonly task: { readonly input: string; readonly mode: ChecksumMode };
    readonly result: AddressCheck;
  };
  readonly format: {
    readonly task: {
      readonly address: string;
      readonly network: string;
      readonly chainId: number;
      /** Decimal string: bigint does not cross structured clone in every runtime we target. */
      readonly wei: string;
      readonly rpcLatencyMs: number;
      readonly blockTag: string;
      readonly blockNumber: string;
      readonly blockHash: string;
      /** Set for a verified balance: the block and state root it was proven at. */
      readonly verified?: VerifiedAt | undefined;
    };
    /** The serialized JSON response body. */
    readonly result: string;
  };
}

export type CodecKind = keyof CodecKinds;
export type CodecTask<K extends CodecKind = CodecKind> = { [P in K]: { readonly kind: P } & CodecKinds[P]['task'] }[K];
export type CodecResult<K extends CodecKind = CodecKind> = CodecKinds[K]['result'];

const RUN: { readonly [K in CodecKind]: (task: CodecTask<K>) => CodecResult<K> } = {
  check: (task) => checkAddress(task.input, task.mode),
  format: (task) => JSON.stringify(balanceBody(task.address, { name: task.network, chainId: task.chainId }, BigInt(task.wei), task.rpcLatencyMs, { tag: task.blockTag, number: task.blockNumber, hash: task.blockHash }, task.verified)),
};

export function runTask<K extends CodecKind>(task: CodecTask<K>): CodecResult<K> {
  const run: (task: CodecTask<K>) => CodecResult<K> = RUN[task.kind];
  return run(task);
}

export function runBatch(tasks: readonly CodecTask[]): CodecResult[] {
  return tasks.map(runTask);
}
