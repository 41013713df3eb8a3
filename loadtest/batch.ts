// k6 run -e BASE_URL=http://127.0.0.1:3000 loadtest/batch.ts — scenario "batch" in scenarios.ts.
import { k6Iteration, k6Options } from './lib/k6.ts';

export const options = k6Options('batch');
export default k6Iteration('batch');
