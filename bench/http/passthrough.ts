/**
 * The miss-latency floor: a bare uWS server that forwards each GET to the upstream as one
 * eth_getBalance through an undici Pool (dispatch API, as the service's RpcClient does) and returns
 * the reply. No validation, cache, router, metrics or formatting: what any Node service built on
 * uWS + undici pays per miss for the extra hop alone, measured beside the service at concurrency 1.
 */
import { Pool, type Dispatcher } from 'undici';
import { uws } from '../../src/http/uws.js';
import { rpcBody } from './stats.js';

const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:8545';
const block = process.env.UPSTREAM_BLOCK ?? '"latest"';
const port = Number(process.env.PORT ?? 0);
const pool = new Pool(upstream, { connections: 4 });
const headers = { 'content-type': 'application/json' };

function forward(address: string, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart: () => {},
    onResponseData: (_controller, chunk) => void chunks.push(chunk),
    onResponseEnd: () => done(Buffer.concat(chunks)),
    onResponseError: () => done(Buffer.from('{"error":"upstream"}')),
  };
  pool.dispatch({ path: '/', method: 'POST', headers, body: rpcBody(address, block) }, handler);
}

uws
  .App()
  .get('/address/balance/:address', (res, req) => {
    let aborted = false;
    res.onAborted(() => (aborted = true));
    forward(req.getParameter(0) ?? '', (body) => {
      if (!aborted) res.cork(() => res.writeHeader('content-type', 'application/json').end(body));
    });
  })
  .listen('127.0.0.1', port, (socket) => {
    if (socket === false) {
      process.stderr.write(`passthrough: cannot listen on ${port}\n`);
      process.exit(1);
    }
    process.stdout.write(`listening ${uws.us_socket_local_port(socket)}\n`);
  });
