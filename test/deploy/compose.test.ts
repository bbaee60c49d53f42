/**
 * deploy/docker-compose.yml cannot be started here (no Docker on this machine): what can be
 * checked without it is checked. The file parses; every variable set on the service's
 * containers is one the service reads (src/config.ts CONFIG_VARIABLES) and passes its config
 * schema; every file mounted or built from exists; and the names that must agree across files
 * agree (the cluster in CLICKHOUSE_CLUSTER and in the ClickHouse config, the hosts the service
 * and the load balancer point at, unique replica macros).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config.ts';
import { repoRoot } from '../helpers/server.ts';

const deployDir = path.join(repoRoot, 'deploy');
const composeFile = path.join(deployDir, 'docker-compose.yml');

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
}
const compose = parse(fs.readFileSync(composeFile, 'utf8'), { uniqueKeys: true, merge: false }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = Object.entries(compose.services);

function env(s: Service): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(s.environment)) {
    for (const kv of s.environment) {
      const i = kv.indexOf('=');
      out[i < 0 ? kv : kv.slice(0, i)] = i < 0 ? '' : kv.slice(i + 1);
    }
  } else {
    for (const [k, v] of Object.entries(s.environment ?? {})) out[k] = v === null ? '' : String(v);
  }
  return out;
}

/** The service's own containers: those built from the repository with deploy/Dockerfile. */
const appServices = services.filter(([, s]) => s.build !== undefined);
const read = (rel: string): string => fs.readFileSync(path.join(deployDir, rel), 'utf8');

describe('deploy/docker-compose.yml', () => {
  test('parses, with the stack the scale-out design needs', () => {
    const images = services.map(([, s]) => s.image ?? '');
    assert.ok(
      images.some((i) => i.startsWith('clickhouse/clickhouse-keeper')),
      'ClickHouse Keeper',
    );
    assert.ok(images.filter((i) => i.startsWith('clickhouse/clickhouse-server')).length >= 2, 'ClickHouse servers');
    assert.ok(
      images.some((i) => i.startsWith('postgres')),
      'PostgreSQL',
    );
    assert.ok(
      images.some((i) => i.startsWith('nginx')),
      'a load balancer',
    );
    assert.ok(appServices.length >= 2, 'two replicas of the service');
  });

  test('every variable set on the service containers is one the service reads, and valid', () => {
    for (const [name, s] of appServices) {
      const vars = env(s);
      for (const key of Object.keys(vars)) {
        assert.ok(CONFIG_VARIABLES.includes(key), `${name}: ${key} is not in CONFIG_VARIABLES (src/config.ts)`);
      }
      for (const key of ['DATABASE_URL', 'CLICKHOUSE_URL', 'CLICKHOUSE_CLUSTER', 'REPLICA_ID']) {
        assert.ok(vars[key], `${name} sets ${key}`);
      }
      const config = loadConfig(vars);
      assert.equal(config.clickhouseCluster, vars.CLICKHOUSE_CLUSTER);
    }
    const ids = appServices.map(([, s]) => env(s).REPLICA_ID);
    assert.equal(new Set(ids).size, ids.length, 'replica ids are distinct');
  });

  test('every file mounted or built from exists', () => {
    const volumeNames = new Set(Object.keys(compose.volumes ?? {}));
    let mounts = 0;
    for (const [name, s] of services) {
      for (const v of s.volumes ?? []) {
        const source = typeof v === 'string' ? (v.split(':')[0] ?? '') : (v.source ?? '');
        if (volumeNames.has(source)) continue;
        assert.ok(source.startsWith('.'), `${name}: ${source} is neither a named volume nor a relative path`);
        assert.ok(fs.existsSync(path.resolve(deployDir, source)), `${name} mounts ${source}, which does not exist`);
        mounts++;
      }
      if (s.build !== undefined) {
        const build = typeof s.build === 'string' ? { context: s.build } : s.build;
        const context = path.resolve(deployDir, build.context ?? '.');
        assert.ok(fs.existsSync(path.join(context, 'package.json')), `${name} builds from the repository root`);
        const dockerfile = path.join(context, build.dockerfile ?? 'Dockerfile');
        assert.ok(fs.existsSync(dockerfile), `${name}: ${dockerfile} does not exist`);
        const text = fs.readFileSync(dockerfile, 'utf8');
        assert.ok(text.includes('RUN npm ci') && text.includes('"bin/chatlayer-analytics.js", "serve"'), dockerfile);
      }
    }
    assert.ok(mounts >= 5, 'the ClickHouse, Keeper and nginx configuration is mounted');
  });

  test('names agree across the compose file, the ClickHouse config and nginx', () => {
    const serviceNames = new Set(services.map(([n]) => n));
    const cluster = read('clickhouse/config.d/cluster.xml');
    const clusterName = /<remote_servers>\s*<(\w+)>/.exec(cluster)?.[1];
    const clusterHosts = [...cluster.matchAll(/<host>([^<]+)<\/host>/g)].map((m) => m[1] ?? '');
    for (const [name, s] of appServices) {
      const vars = env(s);
      assert.equal(vars.CLICKHOUSE_CLUSTER, clusterName, `${name}: CLICKHOUSE_CLUSTER names the configured cluster`);
      for (const key of ['CLICKHOUSE_URL', 'DATABASE_URL']) {
        const host = new URL(vars[key] ?? '').hostname;
        assert.ok(serviceNames.has(host), `${name}: ${key} points at ${host}, not a compose service`);
      }
      assert.ok(clusterHosts.includes(new URL(vars.CLICKHOUSE_URL ?? '').hostname), `${name} talks to a cluster node`);
    }
    for (const host of clusterHosts) {
      if (host === 'keeper') continue;
      assert.ok(serviceNames.has(host), `cluster node ${host} is a compose service`);
    }
    // Each server's macros: its shard, and a replica name unique across the cluster.
    const replicas = clusterHosts
      .filter((h) => h !== 'keeper')
      .map((h) => {
        const macros = read(`clickhouse/${h}/macros.xml`);
        assert.match(macros, /<shard>\w+<\/shard>/, `${h} has a shard macro`);
        return /<replica>(\w+)<\/replica>/.exec(macros)?.[1];
      });
    assert.equal(new Set(replicas).size, replicas.length, 'replica macros are unique across the cluster');
    const nginx = read('nginx/nginx.conf');
    const upstream = [...nginx.matchAll(/server (\w+):8080/g)].map((m) => m[1]);
    assert.deepEqual(upstream.sort(), appServices.map(([n]) => n).sort(), 'nginx balances over every replica');
  });
});
