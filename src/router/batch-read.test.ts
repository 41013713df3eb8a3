import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyRpcError, UpstreamError } from '../chain/upstream-error.js';
import { assignChunks, BatchReadError, chunk, readBatch, type ChunkAnswer } from './batch-read.js';
import { HedgeBudget } from './hedge.js';

const addresses = (n: number) => Array.from({ length: n }, (_, i) => `0x${i.toString(16).padStart(40, '0')}`);
const weiOf = (address: string) => BigInt(address);

/** A provider answering from a rule per address; records what it was asked. */
class Node {
  readonly asked: string[][] = [];
  constructor(
    readonly name: string,
    readonly rule: (address: string) => bigint | UpstreamError = weiOf,
    readonly whole?: UpstreamError,
  ) {}

  read(part: readonly string[]): Promise<ChunkAnswer> {
    this.asked.push([...part]);
    if (this.whole !== undefined) return Promise.reject(this.whole);
    return Promise.resolve({ values: part.map(this.rule), latencyMs: 5 });
  }

  toString(): string {
    return this.name;
  }
}

const plan = (nodes: Node[], n: number, max = 100, weights?: number[]) => ({
  addresses: addresses(n),
  providers: nodes,
  weight: (p: Node) => weights?.[nodes.indexOf(p)] ?? 1,
  maxPerCall: max,
  readChunk: (p: Node, part: readonly string[]) => p.read(part),
  hedgeDelayMs: () => 50,
  budget: new HedgeBudget(),
  deadlineMs: 4000,
});

describe('assignChunks', () => {
  const cases: [string, number, number[], number[]][] = [
    ['one provider takes everything', 3, [1], [0, 0, 0]],
    ['equal providers take turns, the best first', 4, [1, 1], [0, 1, 0, 1]],
    ['a provider at half the score takes a third', 6, [1, 0.5], [0, 1, 0, 0, 1, 0]],
    ['three equal providers', 5, [0.9, 0.9, 0.9], [0, 1, 2, 0, 1]],
    ['no chunks', 0, [1, 1], []],
  ];
  for (const [name, chunks, weights, expected] of cases) {
    it(name, () => assert.deepEqual(assignChunks(chunks, weights), expected));
  }
});

describe('chunk', () => {
  it('cuts 1,000 items into 10 of 100 and 250 into 100, 100, 50', () => {
    assert.deepEqual(chunk(addresses(1000), 100).map((c) => c.length), Array(10).fill(100));
    assert.deepEqual(chunk(addresses(250), 100).map((c) => c.length), [100, 100, 50]);
  });
});

describe('readBatch', () => {
  it('reads 1,000 addresses in ceil(1000 / 100) requests spread over healthy providers', async () => {
    const a = new Node('a');
    const b = new Node('b');
    const result = await readBatch(plan([a, b], 1000));
    assert.equal(result.requests, 10);
    assert.deepEqual([a.asked.length, b.asked.length], [5, 5]);
    assert.deepEqual(result.values, addresses(1000).map(weiOf));
    assert.ok([...a.asked, ...b.asked].every((part) => part.length === 100));
  });

  it('fails a whole failed request over to the next provider, and only that chunk', async () => {
    const a = new Node('a');
    const b = new Node('b', weiOf, new UpstreamError('http', 'b', 'HTTP 503'));
    const result = await readBatch(plan([a, b], 300));
    assert.deepEqual(result.values, addresses(300).map(weiOf));
    // a: its two chunks plus b's one; b: its one chunk, failed.
    assert.deepEqual(a.asked.map((x) => x.length), [100, 100, 100]);
    assert.equal(b.asked.length, 1);
    assert.equal(result.requests, 4);
  });

  it('sends only the failed calls of a partly answered chunk on', async () => {
    const flaky = (address: string) => (BigInt(address) % 10n === 0n ? new UpstreamError('rpc', 'a', 'JSON-RPC error -32000: busy') : weiOf(address));
    const a = new Node('a', flaky);
    const b = new Node('b');
    const result = await readBatch(plan([a, b], 100, 100, [1, 0.001]));
    assert.deepEqual(result.values, addresses(100).map(weiOf));
    assert.equal(b.asked.length, 1);
    assert.deepEqual(b.asked[0], addresses(100).filter((_, i) => i % 10 === 0));
  });

  it('says STATE_UNAVAILABLE when every provider lacks the state, UPSTREAM otherwise', async () => {
    const pruned = classifyRpcError('x', { code: -32000, message: 'missing trie node 4f2d... (path )' });
    assert.equal(pruned.kind, 'state-unavailable');
    const a = new Node('a', () => pruned);
    const b = new Node('b', () => pruned);
    await assert.rejects(readBatch(plan([a, b], 3)), (e: BatchReadError<Node>) => e.kind === 'state' && /state for 3 of 3/.test(e.message));
    const c = new Node('c', weiOf, new UpstreamError('timeout', 'c', 'no answer'));
    await assert.rejects(readBatch(plan([a, c], 3)), (e: BatchReadError<Node>) => e.kind === 'upstream' && e.failures.size === 2);
  });

  it('stops at an invalid request: no provider answers it differently', async () => {
    const a = new Node('a', () => new UpstreamError('invalid-request', 'a', 'invalid request (-32602)'));
    const b = new Node('b');
    await assert.rejects(readBatch(plan([a, b], 3, 100, [1, 0.001])), (e: BatchReadError<Node>) => e.kind === 'invalid');
    assert.equal(b.asked.length, 0);
  });

  it('fails with no provider at all', async () => {
    await assert.rejects(readBatch(plan([], 3)), (e: BatchReadError<Node>) => e.kind === 'upstream');
  });
});

describe('classifyRpcError for old state', () => {
  const cases: [string, string][] = [
    ['missing trie node 0xabc (path )', 'state-unavailable'],
    ['required historical state unavailable (reexec stopped)', 'state-unavailable'],
    ['state at block #1 is pruned', 'state-unavailable'],
    ['BlockOutOfRangeError: block height is 20 but requested was 1', 'state-unavailable'],
    ['BlockOutOfRangeError: block height is 20 but requested was 21', 'block-not-found'],
    ['header not found', 'block-not-found'],
    ['unknown block', 'block-not-found'],
  ];
  for (const [message, kind] of cases) {
    it(`${JSON.stringify(message)} is ${kind}`, () => assert.equal(classifyRpcError('p', { code: -32000, message }).kind, kind));
  }
});
