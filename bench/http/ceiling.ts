/**
 * The HTTP ceiling: a bare uWS server answering one fixed body (the service's own hit body, so the
 * bytes on the wire match) with a status and a content type, and nothing else.
 *
 * CEILING_HEADERS=1 makes it a second reference: the same, plus what issue 6 requires of every
 * answer and the reads it needs (x-request-id echoed or generated, x-content-type-options and
 * cache-control, the URL and the two body headers checked), so the hit ratio can be split into
 * what those cost and what the service's own logic costs.
 */
import { uws } from '../../src/http/uws.js';
import { MAX_URL_LENGTH } from '../../src/http/admission.js';
import { COMMON_HEADERS, JSON_TYPE } from '../../src/http/responses.js';

const body = Buffer.from(process.env.CEILING_BODY ?? '{}');
const port = Number(process.env.PORT ?? 0);
const withHeaders = process.env.CEILING_HEADERS === '1';
const COMMON = JSON_TYPE + COMMON_HEADERS;
let count = 0;

uws
  .App()
  .get('/*', (res, req) => {
    if (!withHeaders) {
      res.writeStatus('200 OK');
      res.writeHeader('content-type', 'application/json');
      res.end(body);
      return;
    }
    const given = req.getHeader('x-request-id');
    const refused = req.getUrl().length > MAX_URL_LENGTH || req.getHeader('content-length') !== '' || req.getHeader('transfer-encoding') !== '';
    if (refused) res.writeStatus('400 Bad Request');
    res.writeHeader('content-type', COMMON + (given === '' ? `ceiling-${++count}` : given));
    res.end(body);
  })
  .listen('127.0.0.1', port, (socket) => {
    if (socket === false) {
      process.stderr.write(`ceiling: cannot listen on ${port}\n`);
      process.exit(1);
    }
    process.stdout.write(`listening ${uws.us_socket_local_port(socket)}\n`);
  });
