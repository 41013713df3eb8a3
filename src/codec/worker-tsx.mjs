// Worker entry when running from TypeScript sources (npm start, npm test): worker threads do not
// inherit tsx's loader on Node 20, so load the TypeScript module through tsx's API. Built code
// (dist/) uses worker.js directly.
import { tsImport } from 'tsx/esm/api';

const batch = await tsImport('./batch.ts', import.meta.url);
export const runBatch = batch.runBatch;
export const checkMany = batch.checkMany;
export const itemsOf = batch.itemsOf;
