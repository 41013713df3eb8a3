import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeCalls, matchReplies, RawJson, type RpcCall } from './json-rpc.js';
import { UpstreamError } from './upstream-error.js';

const calls: RpcCall[] = [
  { method: 'eth_getBalance', params: ['0xa', 'latest'] },
  { method: 'eth_chainId', params: [] },
  { method: 'eth_blockNumber', params: [] },
];

/** Each outcome as plain data: a result, or an error's kind and message. */
function outcomes(parsed: unknown, list: readonly RpcCall[] = calls): unknown[] {
  return matchReplies(parsed, 7, list, 'p').map((r) => (r instanceof UpstreamError ? { kind: r.kind, message: r.message } : { result: r }));
}

function thrown(parsed: unknown): { kind: string; message: string } {
  try {
    matchReplies(parsed, 7, calls, 'p');
  } catch (error) {
    assert.ok(error instanceof UpstreamError, String(error));
    return { kind: error.kind, message: error.message };
  }
  assert.fail('expected a throw');
}

describe('encodeCalls', () => {
  it('frames one call as an object and several as an array, ids from the first', () => {
    assert.deepEqual(JSON.parse(encodeCalls(7, calls.slice(0, 1))), { jsonrpc: '2.0', id: 7, method: 'eth_getBalance', params: ['0xa', 'latest'] });
    assert.deepEqual(
      JSON.parse(encodeCalls(7, calls)).map((c: { id: number }) => c.id),
      [7, 8, 9],
    );
  });

  it('writes a RawJson param as its text, the same JSON as the plain form', () => {
    const raw = encodeCalls(7, [{ method: 'eth_call', params: [new RawJson('{"to":"0xb"}'), 'latest'] }, calls[1]!]);
    assert.deepEqual(JSON.parse(raw), JSON.parse(encodeCalls(7, [{ method: 'eth_call', params: [{ to: '0xb' }, 'latest'] }, calls[1]!])));
  });
});

/** A well-formed reply carrying a result. */
const reply = (id: number, result: unknown) => ({ jsonrpc: '2.0', id, result });

/** Batch replies to `calls` (ids 7, 8, 9) and the outcome each call gets. */
const batches: { name: string; replies: unknown[]; expected: unknown[] }[] = [
  {
    name: 'matches replies given out of order by their ids',
    replies: [reply(9, '0x9'), reply(7, '0x7'), reply(8, '0x8')],
    expected: [{ result: '0x7' }, { result: '0x8' }, { result: '0x9' }],
  },
  {
    name: 'answers a call whose id has no reply as a bad response, the others as answered',
    replies: [reply(7, '0x7'), reply(9, '0x9')],
    expected: [{ result: '0x7' }, { kind: 'bad-response', message: 'no reply for eth_chainId' }, { result: '0x9' }],
  },
  {
    name: 'takes the later of two replies with one id',
    replies: [reply(7, '0x1'), reply(7, '0x2'), reply(8, '0x8'), reply(9, '0x9')],
    expected: [{ result: '0x2' }, { result: '0x8' }, { result: '0x9' }],
  },
  {
    name: 'answers one call of a batch with its error member, the others with their results',
    replies: [reply(7, '0x7'), { jsonrpc: '2.0', id: 8, error: { code: -32602, message: 'invalid argument 0' } }, reply(9, null)],
    expected: [{ result: '0x7' }, { kind: 'invalid-request', message: 'invalid request (-32602): invalid argument 0' }, { result: null }],
  },
  {
    name: 'answers a reply with neither result nor a well-formed error as a bad response',
    replies: [{ jsonrpc: '2.0', id: 7 }, { jsonrpc: '2.0', id: 8, error: 'nope' }, null],
    expected: [
      { kind: 'bad-response', message: 'reply for eth_getBalance has no result' },
      { kind: 'bad-response', message: 'malformed error' },
      { kind: 'bad-response', message: 'no reply for eth_blockNumber' },
    ],
  },
];

describe('matchReplies', () => {
  for (const { name, replies, expected } of batches) {
    it(name, () => {
      assert.deepEqual(outcomes(replies), expected);
    });
  }

  it('throws for a batch answered with one error object or another non-array', () => {
    assert.deepEqual(thrown({ jsonrpc: '2.0', id: null, error: { code: -32005, message: 'daily request count exceeded' } }).kind, 'rate-limited');
    assert.deepEqual(thrown(reply(7, '0x7')), { kind: 'bad-response', message: 'batch answered with a non-array' });
    assert.deepEqual(thrown('0x7'), { kind: 'bad-response', message: 'batch answered with a non-array' });
  });

  it('takes a single call answered with its reply object alone, or with its error', () => {
    assert.deepEqual(outcomes(reply(7, '0x7'), calls.slice(0, 1)), [{ result: '0x7' }]);
    assert.deepEqual(outcomes({ jsonrpc: '2.0', id: 7, error: { code: -32001, message: 'Resource not found' } }, calls.slice(0, 1)), [
      { kind: 'block-not-found', message: 'Resource not found' },
    ]);
  });
});
