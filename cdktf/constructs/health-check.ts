// One container health probe for the ECS task definition and the Dockerfile's HEALTHCHECK (the
// Dockerfile test checks they match). node:20-bookworm-slim has no curl or wget, and Node 20 has
// fetch; the 3 s abort keeps a wedged process from hanging the probe past the health-check timeout.
export const HEALTH_CHECK_SCRIPT =
  "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(3000)})" +
  '.then((r)=>process.exit(r.status===200?0:1),()=>process.exit(1))';

export const HEALTH_CHECK_COMMAND: readonly string[] = ['CMD', 'node', '-e', HEALTH_CHECK_SCRIPT];
