// NETWORKS at synth: the task gets NETWORKS as plain environment and each network's provider URLs
// (RPC_URLS_<NAME>) as ECS secrets from SSM SecureString, never as plain environment.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadStackConfig } from './stack-config.js';
import { apiContainer, type Json } from './testing/synth-json.js';
import { stackSynthesizer } from './testing/synth-stack.js';

const synth = stackSynthesizer('networks-synth');
const SSM_ARN = /^arn:\$\{data\.aws_partition\.[\w-]+\.partition\}:ssm:eu-west-1:\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}:parameter/;

describe('NETWORKS in the stack', () => {
  it('reads NETWORKS as canonical names, the default first, with one RPC_URLS_<NAME> secret per network', () => {
    const config = loadStackConfig({ NETWORKS: ' Mainnet, base-sepolia,42161 ,777777' });
    assert.deepEqual(config.networks, ['mainnet', 'base-sepolia', 'arbitrum', 'chain-777777']);
    assert.deepEqual(config.secretNames, [
      'INFURA_PROJECT_ID',
      'INFURA_PROJECT_SECRET',
      'API_KEYS',
      'RPC_URLS_MAINNET',
      'RPC_URLS_BASE_SEPOLIA',
      'RPC_URLS_ARBITRUM',
      'RPC_URLS_CHAIN_777777',
    ]);
    assert.equal(loadStackConfig({}).networks, undefined);
    assert.deepEqual(loadStackConfig({ NETWORKS: 'base', SECRET_NAMES: 'RPC_URLS_BASE' }).secretNames, ['RPC_URLS_BASE'], 'named once');
  });

  it('refuses a bad NETWORKS at synth, naming it', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ NETWORKS: 'mainnet,basee' }, /NETWORKS must list network names \(mainnet, .*\), chain-<id> or decimal chain ids, got "basee"/],
      [{ NETWORKS: 'base,8453' }, /NETWORKS lists base twice/],
      [{ NETWORKS: ' , ' }, /NETWORKS must list at least one network/],
      [{ NETWORKS: 'base', EXPECTED_CHAIN_ID: '8453' }, /EXPECTED_CHAIN_ID applies only without NETWORKS/],
    ];
    for (const [env, message] of cases) assert.throws(() => loadStackConfig(env), message, JSON.stringify(env));
  });

  it('hands the task NETWORKS in plain environment and each network\'s URLs only as SSM secrets the execution role may read', () => {
    const { doc } = synth({ AWS_REGION: 'eu-west-1', NETWORKS: 'mainnet,base,42161' });
    const api = apiContainer(doc);
    const env = Object.fromEntries(api.environment.map((e) => [e.name, e.value]));
    assert.equal(env.NETWORKS, 'mainnet,base,arbitrum');
    assert.equal(env.EXPECTED_CHAIN_ID, undefined, 'each network checks its own chain id');
    for (const name of Object.keys(env)) {
      assert.ok(!/^RPC_URLS|^INFURA_(URL|PROJECT)/.test(name), `${name} is not plain environment`);
    }
    // The only URL in plain environment is the telemetry sidecar's, on loopback.
    for (const value of Object.values(env)) assert.doesNotMatch(value, /https?:\/\/(?!127\.0\.0\.1:)/, 'no provider URL in plain environment');
    const secrets = Object.fromEntries(api.secrets.map((s) => [s.name, s.valueFrom]));
    for (const [name, parameter] of [
      ['RPC_URLS_MAINNET', '/int/balance-api/rpc_urls_mainnet'],
      ['RPC_URLS_BASE', '/int/balance-api/rpc_urls_base'],
      ['RPC_URLS_ARBITRUM', '/int/balance-api/rpc_urls_arbitrum'],
    ] as const) {
      assert.match(secrets[name] ?? '', SSM_ARN, name);
      assert.ok(secrets[name]!.endsWith(`:parameter${parameter}`), `${name} from ${parameter}`);
    }
    const policy = doc
      .dataSources('aws_iam_policy_document')
      .flatMap((p) => p.body.statement as Json[])
      .find((s) => s.sid === 'OwnSecrets');
    assert.deepEqual([...(policy!.resources as string[])].sort(), Object.values(secrets).sort());
  });

  it('keeps today\'s task environment without NETWORKS: EXPECTED_CHAIN_ID and no network secret', () => {
    const api = apiContainer(synth({ AWS_REGION: 'eu-west-1' }).doc);
    assert.equal(api.environment.find((e) => e.name === 'EXPECTED_CHAIN_ID')?.value, '1');
    assert.equal(api.environment.find((e) => e.name === 'NETWORKS'), undefined);
    assert.deepEqual(api.secrets.filter((s) => s.name.startsWith('RPC_URLS')), []);
  });
});
