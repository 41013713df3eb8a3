/**
 * The one module that loads uWebSockets.js; everything else imports uWS (values and types) from
 * here. Two exact-pinned builds are installed:
 *   - 20.57.0 (`@btc-vision/uwebsockets.js`, a republish of the official v20.57.0 release):
 *     Node 20/22/24/25 binaries, but its Linux binaries need glibc >= 2.38 (Debian 13, Ubuntu 24.04,
 *     the node:24-trixie-slim image);
 *   - 20.30.0 (`uWebSockets.js`, an alias of `@trufflesuite/uws-js-unofficial`): Node 20 binaries
 *     that load on older glibc (Debian 12), so `npm ci && npm start` keeps working there.
 * 20.57 is tried first; the fallback's native binary is loaded directly, never the package's own
 * slow JavaScript imitation (which it would switch to silently). If neither loads, importing this
 * module throws with both reasons.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Uws from '@btc-vision/uwebsockets.js';
import type { Logger } from '../observability/logger.js';

export type {
  HttpRequest,
  HttpResponse,
  RecognizedString,
  TemplatedApp,
  us_listen_socket,
  us_socket_context_t,
  WebSocket,
} from '@btc-vision/uwebsockets.js';

/** The API both builds share (typed by the newer one; `getQuery`/`getParameter` may be undefined). */
export type UwsModule = typeof Uws & {
  /** Undocumented: 'silent' stops the server writing its `uWebSockets: 20` header. */
  _cfg(option: string): void;
};

export interface UwsBuild {
  /** The uWS.js release: '20.57.0' or '20.30.0'. */
  readonly version: string;
  /** The npm package the native binary came from. */
  readonly package: string;
  readonly binary: string;
  readonly node: string;
  readonly fallback: boolean;
  /** Why this build: the newer one loaded, or why it did not. */
  readonly reason: string;
}

const PRIMARY = { version: '20.57.0', package: '@btc-vision/uwebsockets.js' } as const;
const FALLBACK = { version: '20.30.0', package: '@trufflesuite/uws-js-unofficial@20.30.0-unofficial.0 (as uWebSockets.js)' } as const;

const require = createRequire(import.meta.url);
const binary = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;

/** The part of a load error that says why: the missing glibc symbol version, else the last line. */
export function loadFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const glibc = /version `(GLIBC_[\d.]+)' not found/.exec(message);
  if (glibc) return `its binary needs ${glibc[1]}, this system has glibc ${glibcVersion() ?? 'unknown'}`;
  if (/Cannot find module .*\.node/.test(message)) return `no binary ${binary} (Node ${process.version})`;
  return message.trim().split('\n').at(-1)!.replace(/^Error: /, '');
}

function glibcVersion(): string | undefined {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime;
}

function load(): { uws: UwsModule; build: UwsBuild } {
  const node = process.version;
  try {
    const uws = require(PRIMARY.package) as UwsModule;
    return { uws, build: { ...PRIMARY, binary, node, fallback: false, reason: `${PRIMARY.version} loads on Node ${node} with glibc ${glibcVersion() ?? 'unknown'}` } };
  } catch (primaryError) {
    const why = `${PRIMARY.version} does not load: ${loadFailure(primaryError)}`;
    try {
      const dir = dirname(require.resolve('uWebSockets.js/package.json'));
      const uws = require(join(dir, 'binaries', binary)) as UwsModule;
      return { uws, build: { ...FALLBACK, binary, node, fallback: true, reason: why } };
    } catch (fallbackError) {
      throw new Error(`no uWebSockets.js build loads on Node ${node}: ${why}; ${FALLBACK.version}: ${loadFailure(fallbackError)}`);
    }
  }
}

/**
 * Seconds a connection may sit idle or stalled in a request head before uWS closes it. 20.30 has
 * this fixed at 10; 20.57 defaults to 30 and takes the (undeclared) `setIdleTimeout`, so both
 * builds keep the same slow-loris bound (checked every ~4 s, so closes come after 10-14 s).
 */
export const HTTP_IDLE_TIMEOUT_S = 10;

type IdleTimeoutApp = Uws.TemplatedApp & { setIdleTimeout?: (seconds: number) => void };

function withBuildDefaults(native: UwsModule): UwsModule {
  // Before any App exists: without it every response carries `uWebSockets: 20`.
  native._cfg('silent');
  const App = ((options?: Uws.AppOptions) => {
    // No argument rather than `undefined`: 20.57 aborts the process reading an undefined options object.
    const app = (options === undefined ? native.App() : native.App(options)) as IdleTimeoutApp;
    app.setIdleTimeout?.(HTTP_IDLE_TIMEOUT_S);
    return app;
  }) as UwsModule['App'];
  return Object.freeze({ ...native, App });
}

const loaded = load();

export const uws: UwsModule = withBuildDefaults(loaded.uws);
export const uwsBuild: UwsBuild = Object.freeze(loaded.build);

/** The start-up line: which build, which Node, why. A warning on the fallback (Node 20 is end-of-life). */
export function logUwsBuild(log: Logger): void {
  const { version, package: pkg, node, reason, fallback } = uwsBuild;
  const fields = { uws: version, package: pkg, node, reason };
  if (fallback) log.warn(fields, `uWebSockets.js ${version} (fallback) on Node ${node}: ${reason}`);
  else log.info(fields, `uWebSockets.js ${version} on Node ${node}`);
}
