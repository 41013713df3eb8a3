// The infrastructure tests' child processes come from the one shared helper (src/testing/processes.ts).
export { launch, run, startServer, stopChild, type RunOptions, type RunResult, type Server } from '../../src/testing/processes.js';
