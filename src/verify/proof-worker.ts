// piscina worker entry for proof verification (bench/verify.bench.ts).
export { runProofTask } from './proof-task.js';
