// Starts moto through moto-launcher.py (CodeDeploy made usable, see its docstring) on a free
// port, and stops it by PID.
import { fileURLToPath } from 'node:url';
import { run, startServer, type Server } from './processes.js';

const LAUNCHER = fileURLToPath(new URL('./moto-launcher.py', import.meta.url));

export interface Moto {
  readonly endpoint: string;
  readonly server: Server;
  stop(): Promise<void>;
}

export interface MotoOptions {
  /** Images whose green tasks never pass health checks: deployments of them end Failed. */
  readonly unhealthyImages?: readonly string[];
  readonly stepSeconds?: number;
  /** Extra environment for moto itself (for example MOTO_ACM_VALIDATION_WAIT). */
  readonly env?: Readonly<Record<string, string>>;
}

function python(): string {
  return process.env.MOTO_PYTHON ?? 'python3';
}

/** Undefined when usable, else why not. */
export async function motoMissing(): Promise<string | undefined> {
  try {
    const probe = await run(python(), ['-c', 'import moto, flask, werkzeug; print(moto.__version__)'], {
      timeoutMs: 30_000,
    });
    if (probe.code !== 0) return `${python()} cannot import moto with its server extras (pip install "moto[server]")`;
    return undefined;
  } catch {
    return `${python()} is not on PATH (set MOTO_PYTHON)`;
  }
}

export async function startMoto(options: MotoOptions = {}): Promise<Moto> {
  const { server, match } = await startServer(
    python(),
    [LAUNCHER, '--host', '127.0.0.1', '--port', '0'],
    /moto ready on (http:\/\/[\d.]+:\d+)/,
    {
      env: {
        ...process.env,
        MOTO_IAM_LOAD_MANAGED_POLICIES: 'true',
        MOTO_CODEDEPLOY_STEP_SECONDS: String(options.stepSeconds ?? 1),
        MOTO_CODEDEPLOY_UNHEALTHY_IMAGES: (options.unhealthyImages ?? []).join(','),
        ...options.env,
      },
      startTimeoutMs: 60_000,
    },
  );
  return {
    endpoint: match[1]!,
    server,
    async stop() {
      await server.stop(5000);
    },
  };
}

/**
 * CloudWatch SetAlarmState over the query protocol (no CloudWatch SDK client in this project).
 * moto routes by the credential scope and does not check the signature.
 */
export async function setAlarmState(
  endpoint: string,
  region: string,
  alarmName: string,
  state: 'OK' | 'ALARM',
): Promise<void> {
  const body = new URLSearchParams({
    Action: 'SetAlarmState',
    Version: '2010-08-01',
    AlarmName: alarmName,
    StateValue: state,
    StateReason: 'set by the emulator end-to-end test',
  });
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/${region}/monitoring/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body,
  });
  if (!response.ok) throw new Error(`SetAlarmState ${alarmName}: HTTP ${response.status} ${await response.text()}`);
}

/**
 * One call to an AWS query-protocol API (SNS, CloudWatch, IAM) on moto; returns the XML answer.
 * For read-backs in the end-to-end test, where the project has no SDK client for the service.
 */
export async function queryMoto(
  endpoint: string,
  target: { readonly region: string; readonly service: string; readonly version: string },
  params: Readonly<Record<string, string>>,
): Promise<string> {
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/${target.region}/${target.service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({ Version: target.version, ...params }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${target.service} ${params.Action}: HTTP ${response.status} ${text}`);
  return text;
}

/** Route53 CreateHostedZone (REST XML; no Route53 SDK client in this project); returns the zone id. */
export async function createHostedZone(endpoint: string, name: string): Promise<string> {
  const body =
    '<CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/">' +
    `<Name>${name}</Name><CallerReference>e2e-${Date.now()}</CallerReference></CreateHostedZoneRequest>`;
  const response = await fetch(`${endpoint}/2013-04-01/hostedzone`, {
    method: 'POST',
    headers: {
      'content-type': 'application/xml',
      authorization: 'AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/route53/aws4_request, SignedHeaders=host, Signature=0',
    },
    body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`route53 CreateHostedZone: HTTP ${response.status} ${text}`);
  const id = /<Id>\/hostedzone\/([^<]+)<\/Id>/.exec(text)?.[1];
  if (id === undefined) throw new Error(`route53 CreateHostedZone: no zone id in ${text}`);
  return id;
}
