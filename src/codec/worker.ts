// piscina worker entry: piscina calls the export named in `run(task, { name })`.
export { checkMany, itemsOf, runBatch } from './batch.js';
