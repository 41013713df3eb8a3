// Worker entry under tsx (worker threads do not inherit tsx's loader on Node 20); see codec/worker-tsx.mjs.
import { tsImport } from 'tsx/esm/api';

const task = await tsImport('./proof-task.ts', import.meta.url);
export const runProofTask = task.runProofTask;
