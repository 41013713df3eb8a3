/**
 * keccak256 for the EIP-55 check (./address.ts) and for verification (src/verify/): hash-wasm's
 * WebAssembly Keccak. Verifying a read is mostly hashing (a header of ~600 bytes, proof nodes of
 * up to 532 bytes each), and on this machine hash-wasm hashes a 532-byte node in ~3-5 us where
 * @noble/hashes' JavaScript keccak takes ~30-50 us (bench/verify.bench.ts).
 */
import { createKeccak } from 'hash-wasm';

const hasher = await createKeccak(256);

/** keccak256 of `data` (synchronous once the module has loaded; one shared hasher, one thread). */
export function keccak256(data: Uint8Array): Uint8Array {
  hasher.init();
  hasher.update(data);
  return hasher.digest('binary');
}
