/**
 * For end-to-end tests that mine between reads: the app runs with HEAD_MAX_AGE_MS = headMaxAgeMs,
 * and `nextHead()` outlasts that age, so the next request reads a newly mined block. Also the
 * small helpers those tests share: a never-seen checksummed address, a JSON-RPC quantity.
 */
import { Wallet } from 'ethers';

export const headMaxAgeMs = 200;
export const nextHead = () => new Promise((r) => setTimeout(r, headMaxAgeMs + 50));
export const fresh = () => Wallet.createRandom().address;
export const hex = (n: bigint | number) => `0x${n.toString(16)}`;
