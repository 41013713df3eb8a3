/**
 * The address checks of a large batch on the codec pool, through the memo: the main thread only
 * looks each input up and remembers the answers, the workers hash. A cold batch of 1,000 is ~1.5-3
 * ms of keccak and string work that would otherwise hold every request queued behind it.
 */
import type { AddressCheck, AddressMemo } from './address.js';
import { POOL_MIN_BATCH, type CodecRunner } from './codec-pool.js';

/**
 * The checks of `inputs` in order, from the memo and the pool, or undefined when the batch stays
 * inline (no pool, fewer than POOL_MIN_BATCH inputs not memoized yet, or an input not a string:
 * the caller's inline check then gives the same verdict as ever).
 */
export function pooledChecks(inputs: readonly unknown[], memo: AddressMemo, codec: CodecRunner): Promise<AddressCheck[]> | undefined {
  if (!codec.pooled || inputs.length < POOL_MIN_BATCH) return undefined;
  const out = new Array<AddressCheck>(inputs.length);
  const fresh: string[] = [];
  const freshAt: number[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i];
    if (typeof input !== 'string') return undefined;
    const known = memo.get(input);
    if (known !== undefined) out[i] = known;
    else {
      fresh.push(input);
      freshAt.push(i);
    }
  }
  if (fresh.length < POOL_MIN_BATCH) return undefined;
  return Promise.resolve(codec.checkMany(fresh, memo.mode)).then((checks) => {
    for (let j = 0; j < checks.length; j++) {
      memo.remember(fresh[j]!, checks[j]!);
      out[freshAt[j]!] = checks[j]!;
    }
    return out;
  });
}
