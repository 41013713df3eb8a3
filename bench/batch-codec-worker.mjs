// piscina worker for bench/batch-codec.bench.ts: the batch codec (src/codec/balances.ts) loaded
// through tsx, since worker threads do not inherit tsx's loader on Node 20.
import { tsImport } from 'tsx/esm/api';

const codec = await tsImport('../src/codec/balances.ts', import.meta.url);

/** { kind: 'check', inputs, mode } -> AddressCheck[]; { kind: 'format', addresses, weis } -> item strings. */
export function run(task) {
  return task.kind === 'check' ? codec.checkAddresses(task.inputs, task.mode) : codec.balanceItems(task.addresses, task.weis);
}
