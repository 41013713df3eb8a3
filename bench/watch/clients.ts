/**
 * The watch bench's clients, in a process of their own so the load generator does not share the
 * service's (or the HTTP load's) event loop: `connections` GET /watch sockets (the `ws` client),
 * each subscribed to `perConnection` addresses of its own. Reports over IPC when every snapshot
 * arrived, and on request the arrival time (epoch ms) of every block message, by block number.
 *
 *   fork('clients.ts', [url, connections, perConnection, run])
 */
import WebSocket from 'ws';

const [url, connectionsArg, perArg, runArg] = process.argv.slice(2);
const connections = Number(connectionsArg);
const perConnection = Number(perArg);
const run = Number(runArg) % 1e9;
// All digits: already EIP-55 (no letters to case), so no keccak here.
const address = (c: number, i: number) => `0x${String(run).padStart(10, '0')}${String(c * perConnection + i).padStart(30, '0')}`;

const arrivals = new Map<number, number[]>();
const sockets: WebSocket[] = [];
let subscribed = 0;
let bad = 0;
const now = () => performance.timeOrigin + performance.now();

function open(c: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url!);
    sockets.push(socket);
    socket.once('error', reject);
    socket.on('open', () => {
      socket.send(JSON.stringify({ op: 'subscribe', id: `c${c}`, addresses: Array.from({ length: perConnection }, (_, i) => address(c, i)) }));
      resolve();
    });
    socket.on('message', (data) => {
      const at = now();
      const text = String(data);
      // The op and block number sit at fixed places in the server's template: no parse per message.
      if (text.startsWith('{"op":"block"')) {
        const n = Number.parseInt(text.slice(text.indexOf('"blockNumber":"') + 17), 16);
        let list = arrivals.get(n);
        if (list === undefined) arrivals.set(n, (list = []));
        list.push(at);
      } else if (text.startsWith('{"op":"subscribed"')) {
        if (++subscribed === connections) process.send!({ type: 'subscribed' });
      } else {
        bad++;
      }
    });
  });
}

// A few upgrades at a time: 1,000 at once would measure the accept queue, not the watch.
for (let c = 0; c < connections; c += 50) await Promise.all(Array.from({ length: Math.min(50, connections - c) }, (_, i) => open(c + i)));
process.send!({ type: 'open' });

process.on('message', (m: string) => {
  if (m === 'report') process.send!({ type: 'report', arrivals: [...arrivals], bad, subscribed });
  if (m === 'stop') {
    for (const s of sockets) s.terminate();
    process.exit(0);
  }
});
