// piscina worker entry: piscina calls the export named in `run(task, { name })`.
export { runBatch } from './batch.js';
