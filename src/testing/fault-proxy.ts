/**
 * A real HTTP proxy in front of a real node, with scripted faults: 5xx, reset, hang, garbage JSON,
 * oversized replies, delay, rate limits (HTTP 429 and JSON-RPC -32005 with backoff_seconds), JSON-RPC errors, another
 * chain id, a head frozen in the past. Like
 * eRPC's test/fake_server.go, but forwarding to anvil so good answers are real answers.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { decodeRlp, encodeRlp, toBeHex } from 'ethers';
import type { MiningGate } from './mining-gate.js';

export type Fault =
  | { readonly kind: 'pass' }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'reset' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'garbage' }
  /** A well-formed reply of `bytes` bytes (a provider returning far more than asked). */
  | { readonly kind: 'oversized'; readonly bytes: number }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'http-429'; readonly retryAfterSeconds?: number }
  | { readonly kind: 'rpc-429'; readonly backoffSeconds?: number }
  | { readonly kind: 'rpc-error'; readonly code: number; readonly message: string }
  /** Forwards everything but answers eth_chainId with another chain (a provider repointed). */
  | { readonly kind: 'chain-id'; readonly chainId: number }
  /** Forwards everything but asks for the last head seen instead of "latest" (a node stuck there). */
  | { readonly kind: 'frozen-head' }
  // Lies: well-formed answers with wrong content (see src/verify/ for how each is caught).
  /** Adds `wei` (default 1 ether) to the balance in eth_getBalance answers and to the `balance` field of eth_getProof answers, proof untouched. */
  | { readonly kind: 'lie-balance'; readonly wei?: bigint }
  /** Forges the account proof: the leaf's balance (and the `balance` field and eth_getBalance) gain `wei`, or a node's byte flips when there is no leaf. */
  | { readonly kind: 'forge-proof'; readonly wei?: bigint }
  /** Blocks (by number or hash) come back with another stateRoot, their hash kept. */
  | { readonly kind: 'state-root' }
  /** Blocks asked by number come back with another hash, the header kept. */
  | { readonly kind: 'block-hash' }
  /** One of `faults`, picked at random per hit request (with FaultProxyOptions.seed: deterministically). */
  | { readonly kind: 'one-of'; readonly faults: readonly Fault[] };

export interface FaultRule {
  readonly fault: Fault;
  /** Only calls to these JSON-RPC methods are hit (a batch is hit if any call in it matches). */
  readonly methods?: readonly string[];
  /** Share of matching requests hit, 0..1 (default 1). */
  readonly rate?: number;
}

export interface FaultProxy {
  readonly url: string;
  /** Replaces the active rule; { kind: 'pass' } heals. */
  set(rule: FaultRule | Fault): void;
  /** JSON-RPC calls seen per method (a batch counts each call) and HTTP requests seen. */
  readonly calls: Map<string, number>;
  requests(): number;
  reset(): void;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** The node's gate (AnvilCluster.gateOf): forwarded calls never overlap its mining (mining-gate.ts). */
  readonly gate?: MiningGate | undefined;
  /**
   * Makes `rate` and 'one-of' deterministic: whether a request is hit, and by which fault, is a hash
   * of the seed, its first call (method and params, not the id) and how many times that call was
   * seen before. The same calls then meet the same faults whatever the interleaving of concurrent
   * requests, so a counted test of random failures cannot flake.
   */
  readonly seed?: number | undefined;
}

export async function startFaultProxy(target: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const gate = options.gate;
  const upstream = new URL(target);
  let rule: FaultRule = { fault: { kind: 'pass' } };
  const calls = new Map<string, number>();
  let requests = 0;
  const sockets = new Set<Socket>();

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests++;
      const methods = methodsOf(body);
      for (const m of methods) calls.set(m, (calls.get(m) ?? 0) + 1);
      const matches = rule.methods === undefined || methods.some((m) => rule.methods!.includes(m));
      const [u1, u2] = draw(body);
      const hit = matches && u1 < (rule.rate ?? 1);
      const fault: Fault = !hit ? { kind: 'pass' } : rule.fault.kind === 'one-of' ? (rule.fault.faults[Math.floor(u2 * rule.fault.faults.length)] ?? { kind: 'pass' }) : rule.fault;
      apply(fault, body, res, req);
    });
  });

  const seen = new Map<string, number>();
  /** Two numbers in [0, 1): whether the request is hit, and which fault of a 'one-of'. */
  const draw = (body: Buffer): [number, number] => {
    if (options.seed === undefined) return [Math.random(), Math.random()];
    const parsed = tryParse(body);
    const first = (Array.isArray(parsed) ? parsed[0] : parsed) as RpcCall | undefined;
    const key = `${String(first?.method)}|${JSON.stringify(first?.params ?? null)}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return [fnv1a(`${options.seed}|${key}|${n}`) / 2 ** 32, fnv1a(`${n}|${key}|${options.seed}`) / 2 ** 32];
  };

  /** Number of the newest "latest" block forwarded, for 'frozen-head'. */
  let lastHead: string | undefined;
  const asksLatest = (c: { method?: unknown; params?: unknown }) =>
    c.method === 'eth_getBlockByNumber' && Array.isArray(c.params) && c.params[0] === 'latest';

  /** Forwards; `rewrite` (if any) edits each parsed reply object before it goes back. */
  const forward = (body: Buffer, res: ServerResponse, rewrite?: (call: RpcCall, reply: { result?: unknown }) => void) => {
    if (gate === undefined) return send(body, res, rewrite, () => undefined);
    void gate.enter().then(() => {
      let left = false;
      send(body, res, rewrite, () => {
        if (left) return;
        left = true;
        gate.leave();
      });
    });
  };

  /** Sends to the node; `done` runs once the node has answered (or the exchange failed). */
  const send = (body: Buffer, res: ServerResponse, rewrite: ((call: RpcCall, reply: { result?: unknown }) => void) | undefined, done: () => void) => {
    const parsed = tryParse(body);
    const batch: RpcCall[] = Array.isArray(parsed) ? parsed : parsed === undefined ? [] : [parsed as RpcCall];
    const watchHead = batch.some(asksLatest);
    const out = httpRequest(
      { host: upstream.hostname, port: upstream.port, path: upstream.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } },
      (reply) => {
        reply.on('end', done);
        reply.on('close', done);
        if (rewrite === undefined && !watchHead) {
          res.writeHead(reply.statusCode ?? 502, { 'content-type': 'application/json' });
          reply.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        reply.on('data', (c: Buffer) => chunks.push(c));
        reply.on('error', () => res.destroy());
        reply.on('end', () => {
          let text = Buffer.concat(chunks).toString('utf8');
          const answer = tryParse(Buffer.from(text));
          const replies = (Array.isArray(answer) ? answer : [answer]) as ({ id?: unknown; result?: unknown } | undefined)[];
          for (const r of replies) {
            const call = batch.find((c) => c.id === r?.id);
            if (r === undefined || call === undefined) continue;
            if (asksLatest(call) && rewrite === undefined) {
              const n = (r.result as { number?: unknown } | null | undefined)?.number;
              if (typeof n === 'string') lastHead = n;
            }
            rewrite?.(call, r);
          }
          if (rewrite !== undefined && answer !== undefined) text = JSON.stringify(answer);
          res.writeHead(reply.statusCode ?? 502, { 'content-type': 'application/json' });
          res.end(text);
        });
      },
    );
    out.on('error', () => {
      done();
      res.destroy();
    });
    out.end(body);
  };

  const rpcError = (body: Buffer, error: object, status = 200, res: ServerResponse) => {
    const parsed = tryParse(body);
    const reply = (id: unknown) => ({ jsonrpc: '2.0', id, error });
    const payload = Array.isArray(parsed)
      ? parsed.map((c: { id?: unknown }) => reply(c.id))
      : reply((parsed as { id?: unknown } | undefined)?.id ?? null);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  };

  const apply = (fault: Fault, body: Buffer, res: ServerResponse, req: IncomingMessage) => {
    switch (fault.kind) {
      case 'pass':
        return forward(body, res);
      case 'status':
        res.writeHead(fault.status, { 'content-type': 'text/plain' });
        return res.end('upstream says no');
      case 'reset':
        return req.socket.resetAndDestroy();
      case 'hang':
        return; // never answers; close() destroys the socket
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"jsonrpc":"2.0","id":1,"result":0x<html>');
      case 'oversized':
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(`{"jsonrpc":"2.0","id":1,"result":"0x${'0'.repeat(Math.max(0, fault.bytes - 40))}"}`);
      case 'delay':
        setTimeout(() => forward(body, res), fault.ms);
        return;
      case 'http-429':
        res.writeHead(429, { 'content-type': 'text/plain', ...(fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) }) });
        return res.end('Too Many Requests');
      case 'rpc-429':
        return rpcError(body, { code: -32005, message: 'daily request count exceeded, request rate limited', data: { backoff_seconds: fault.backoffSeconds ?? 30 } }, 200, res);
      case 'rpc-error':
        return rpcError(body, { code: fault.code, message: fault.message }, 200, res);
      case 'chain-id': {
        const hex = `0x${fault.chainId.toString(16)}`;
        return forward(body, res, (call, reply) => {
          if (call.method === 'eth_chainId' && 'result' in reply) reply.result = hex;
        });
      }
      case 'frozen-head': {
        const parsed = tryParse(body);
        if (lastHead === undefined || parsed === undefined) return forward(body, res);
        const calls = (Array.isArray(parsed) ? parsed : [parsed]) as RpcCall[];
        for (const c of calls) if (asksLatest(c)) (c.params as unknown[])[0] = lastHead;
        return forward(Buffer.from(JSON.stringify(parsed)), res, () => undefined);
      }
      case 'lie-balance':
      case 'forge-proof':
      case 'state-root':
      case 'block-hash':
        return forward(body, res, (call, reply) => lie(fault, call, reply));
      case 'one-of':
        return forward(body, res); // an empty list picks nothing
    }
  };

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    set: (next) => {
      rule = 'fault' in next ? next : { fault: next };
    },
    calls,
    requests: () => requests,
    reset: () => {
      calls.clear();
      requests = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const ETHER = 10n ** 18n;
const BLOCK_METHODS = ['eth_getBlockByNumber', 'eth_getBlockByHash'];

/** Rewrites one reply for a lying fault; anything it does not lie about passes as it came. */
function lie(fault: Fault, call: RpcCall, reply: { result?: unknown }): void {
  const result = reply.result;
  if (result === undefined || result === null) return;
  switch (fault.kind) {
    case 'lie-balance':
    case 'forge-proof': {
      const wei = fault.wei ?? ETHER;
      if (call.method === 'eth_getBalance' && typeof result === 'string') reply.result = quantity(BigInt(result) + wei);
      if (call.method !== 'eth_getProof' || typeof result !== 'object') return;
      const proof = result as { balance?: string; accountProof?: string[] };
      if (typeof proof.balance === 'string') proof.balance = quantity(BigInt(proof.balance) + wei);
      if (fault.kind === 'forge-proof' && Array.isArray(proof.accountProof) && proof.accountProof.length > 0) {
        const last = proof.accountProof.length - 1;
        proof.accountProof[last] = forgeLeaf(proof.accountProof[last]!, wei);
      }
      return;
    }
    case 'state-root':
      if (typeof call.method === 'string' && BLOCK_METHODS.includes(call.method) && typeof result === 'object') {
        const block = result as { stateRoot?: string };
        if (typeof block.stateRoot === 'string') block.stateRoot = flipLastNibble(block.stateRoot);
      }
      return;
    case 'block-hash':
      if (call.method === 'eth_getBlockByNumber' && typeof result === 'object') {
        const block = result as { hash?: string };
        if (typeof block.hash === 'string') block.hash = flipLastNibble(block.hash);
      }
      return;
    default:
      return;
  }
}

/** The leaf [path, account] with `wei` more balance; a node that is no account leaf gets a byte flipped. */
function forgeLeaf(node: string, wei: bigint): string {
  try {
    const decoded = decodeRlp(node);
    if (Array.isArray(decoded) && decoded.length === 2 && typeof decoded[1] === 'string') {
      const account = decodeRlp(decoded[1]);
      if (Array.isArray(account) && account.length === 4 && typeof account[1] === 'string') {
        const balance = account[1] === '0x' ? 0n : BigInt(account[1]);
        account[1] = toBeHex(balance + wei);
        return encodeRlp([decoded[0]!, encodeRlp(account as string[])]);
      }
    }
  } catch {
    // not an RLP leaf: fall through to flipping a byte
  }
  return flipLastNibble(node);
}

/** FNV-1a, 32 bits, then a murmur3 finalizer so nearby inputs spread over the whole range. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const quantity = (n: bigint): string => `0x${n.toString(16)}`;

function flipLastNibble(hex: string): string {
  const last = hex.at(-1) === '0' ? '1' : '0';
  return `${hex.slice(0, -1)}${last}`;
}

interface RpcCall {
  readonly id?: unknown;
  readonly method?: unknown;
  readonly params?: unknown;
}

function tryParse(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function methodsOf(body: Buffer): string[] {
  const parsed = tryParse(body);
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((c) => (c as { method?: unknown } | undefined)?.method).filter((m): m is string => typeof m === 'string');
}
