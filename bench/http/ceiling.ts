/**
 * The HTTP ceiling: a bare uWS server answering one fixed body (the service's own hit body, so the
 * bytes on the wire match) with a status and a content type, and nothing else.
 */
import uws from 'uWebSockets.js';

const body = Buffer.from(process.env.CEILING_BODY ?? '{}');
const port = Number(process.env.PORT ?? 0);

uws
  .App()
  .get('/*', (res) => {
    res.writeStatus('200 OK');
    res.writeHeader('content-type', 'application/json');
    res.end(body);
  })
  .listen('127.0.0.1', port, (socket) => {
    if (socket === false) {
      process.stderr.write(`ceiling: cannot listen on ${port}\n`);
      process.exit(1);
    }
    process.stdout.write(`listening ${uws.us_socket_local_port(socket)}\n`);
  });
