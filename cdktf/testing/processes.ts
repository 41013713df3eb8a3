// The infrastructure tests' child processes come from the one shared helper (src/dev/processes.ts).
export { launch, run, startServer, stopChild, type RunOptions, type RunResult, type Server } from '../../src/dev/processes.js';
