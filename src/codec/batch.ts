/**
 * The codec work a worker runs, as one batch per message: a piscina round trip costs ~230 us here
 * against a few us of work per item, so only batches can pay for the hop.
 */
import type { ChecksumMode } from '../config/config.js';
import { checkAddress, type AddressCheck } from './address.js';
import { balanceBody } from './format.js';

export type CodecTask =
  | { readonly kind: 'check'; readonly input: string; readonly mode: ChecksumMode }
  | {
      readonly kind: 'format';
      readonly address: string;
      readonly network: string;
      /** Decimal string: bigint does not cross structured clone in every runtime we target. */
      readonly wei: string;
      readonly rpcLatencyMs: number;
      readonly headBlockNumber: string;
    };

/** An address check, or a serialized JSON response body. */
export type CodecResult = AddressCheck | string;

export function runTask(task: CodecTask): CodecResult {
  return task.kind === 'check'
    ? checkAddress(task.input, task.mode)
    : JSON.stringify(balanceBody(task.address, task.network, BigInt(task.wei), task.rpcLatencyMs, task.headBlockNumber));
}

export function runBatch(tasks: readonly CodecTask[]): CodecResult[] {
  return tasks.map(runTask);
}
