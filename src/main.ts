/** Composition root of the production service (the image runs this): providers come from the environment. */
import { runService } from './run-service.js';

await runService(process.env);
