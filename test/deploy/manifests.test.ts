/**
 * The deployment files: every Kubernetes manifest is valid against the
 * Kubernetes schema (kubernetes-models, offline) and wired together (names,
 * labels, ports, probes, grace periods); the ConfigMap and Secret make a
 * configuration the service accepts in production; the Dockerfile is
 * multi-stage, non-root, production-only, with a HEALTHCHECK.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { parseAllDocuments } from 'yaml';
import { parseClients } from '../../src/auth/clients.js';
import { checkProductionSecrets, loadConfig } from '../../src/config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEPLOY = `${ROOT}deploy/`;

type Manifest = Record<string, unknown> & { kind: string; metadata: { name: string } };

function load(file: string): Manifest[] {
  const docs = parseAllDocuments(readFileSync(DEPLOY + file, 'utf8'));
  for (const d of docs) expect(d.errors.map((e) => e.message)).toEqual([]);
  return docs.map((d) => d.toJS() as Manifest);
}

const files = readdirSync(DEPLOY).filter((f) => f.endsWith('.yaml'));
const manifests = files.filter((f) => f !== 'kustomization.yaml').flatMap(load);
function one<T>(kind: string, name?: string): T {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ''}, found ${found.length}`);
  return found[0] as T;
}
const settings = (): ConfigMap => one<ConfigMap>('ConfigMap', 'rls-cds-hooks-config');
const clientsMap = (): ConfigMap => one<ConfigMap>('ConfigMap', 'rls-cds-hooks-clients');

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  ConfigMap,
  Secret,
  Service,
  Deployment,
  HorizontalPodAutoscaler,
  PodDisruptionBudget,
  NetworkPolicy,
};

test.each(files.filter((f) => f !== 'kustomization.yaml'))(
  '%s is valid against the Kubernetes schema',
  (file) => {
    for (const m of load(file)) {
      const Model = MODELS[m.kind];
      expect(Model).toBeDefined();
      expect(() => new (Model as NonNullable<typeof Model>)(m as never).validate()).not.toThrow();
    }
  },
);

test('the schema check catches a mistake (a port that is not a number)', () => {
  const deployment = structuredClone(one<Deployment>('Deployment'));
  (deployment.spec!.template.spec!.containers[0]!.ports![0] as { containerPort: unknown }).containerPort =
    'http';
  expect(() => new Deployment(deployment).validate()).toThrow(/containerPort/);
});

test('the kustomization lists every manifest in the folder', () => {
  const [k] = load('kustomization.yaml') as unknown as { resources: string[] }[];
  expect([...(k?.resources ?? [])].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml').sort());
});

describe('the Deployment', () => {
  const deployment = one<Deployment>('Deployment');
  const pod = deployment.spec!.template;
  const container = pod.spec!.containers[0]!;
  const config = settings();

  test('probes /healthz for liveness and start-up and /readyz for readiness, on the named port', () => {
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(config.data?.PORT).toBe('3000');
  });

  test('has CPU and memory requests and limits', () => {
    const { requests, limits } = container.resources ?? {};
    expect(typeof requests?.cpu).toBe('string');
    expect(typeof requests?.memory).toBe('string');
    expect(typeof limits?.memory).toBe('string');
  });

  test('runs as non-root with a read-only root file system and no privilege escalation', () => {
    expect(pod.spec?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  test('takes its environment from the ConfigMap and the Secret, and mounts the clients file where CDS_CLIENTS_FILE says', () => {
    const secret = one<Secret>('Secret');
    expect(container.envFrom).toEqual([
      { configMapRef: { name: config.metadata!.name } },
      { secretRef: { name: secret.metadata!.name } },
    ]);
    const clients = clientsMap();
    const mount = container.volumeMounts?.find((v) => v.name === 'clients');
    const volume = pod.spec?.volumes?.find((v) => v.name === 'clients');
    expect(volume?.configMap?.name).toBe(clients.metadata!.name);
    expect(config.data?.CDS_CLIENTS_FILE).toBe(`${mount?.mountPath}/clients.json`);
    expect(Object.keys(clients.data ?? {})).toEqual(['clients.json']);
  });

  test('gives shutdown its grace: SHUTDOWN_GRACE_MS plus the preStop pause fit in terminationGracePeriodSeconds', () => {
    const pause = Number(container.lifecycle?.preStop?.exec?.command?.[1]);
    const grace = Number(config.data?.SHUTDOWN_GRACE_MS) / 1000;
    expect(pause).toBeGreaterThan(0);
    expect(pause + grace).toBeLessThan(pod.spec!.terminationGracePeriodSeconds!);
  });

  test('rolls out without taking a replica away first', () => {
    expect(deployment.spec?.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
  });
});

test('the Service, the autoscaler and the disruption budget point at the Deployment', () => {
  const deployment = one<Deployment>('Deployment');
  const labels = deployment.spec!.template.metadata!.labels!;
  expect(deployment.spec!.selector.matchLabels).toEqual(labels);
  const service = one<Service>('Service');
  expect(service.spec?.selector).toEqual(labels);
  expect(service.spec?.ports?.[0]?.targetPort).toBe('http');
  const hpa = one<HorizontalPodAutoscaler>('HorizontalPodAutoscaler');
  expect(hpa.spec?.scaleTargetRef).toEqual({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: deployment.metadata!.name,
  });
  expect(hpa.spec!.minReplicas).toBeGreaterThanOrEqual(2);
  expect(hpa.spec!.maxReplicas).toBeGreaterThan(hpa.spec!.minReplicas!);
  const pdb = one<PodDisruptionBudget>('PodDisruptionBudget');
  expect(pdb.spec?.selector?.matchLabels).toEqual(labels);
  expect(Number(pdb.spec?.minAvailable)).toBeLessThan(hpa.spec!.minReplicas!);
});

test('the ConfigMap and the Secret make a production configuration the service accepts: PostgreSQL, Redis, admin token, patient-key secret', () => {
  const config = manifests.find(
    (m) => m.kind === 'ConfigMap' && m.metadata.name === 'rls-cds-hooks-config',
  ) as unknown as ConfigMap;
  const secret = one<Secret>('Secret');
  const loaded = loadConfig({ ...config.data, ...secret.stringData });
  expect(loaded.production).toBe(true);
  expect(loaded.databaseUrl).toMatch(/^postgresql:\/\//);
  expect(loaded.redisUrl).toMatch(/^rediss:\/\//);
  expect(loaded.adminToken).toBeDefined();
  expect(() => checkProductionSecrets(loaded)).not.toThrow();
  expect(Object.keys(config.data ?? {})).not.toEqual(expect.arrayContaining(['CDS_PATIENT_KEY_SECRET']));
  expect(loaded.logFormat).toBe('json');
  expect(Object.keys(config.data ?? {})).not.toEqual(expect.arrayContaining(['DATABASE_URL']));
  expect(Object.keys(config.data ?? {})).not.toEqual(expect.arrayContaining(['REDIS_URL']));
  expect(Object.keys(config.data ?? {})).not.toEqual(expect.arrayContaining(['CDS_ADMIN_TOKEN']));
});

test('the example clients file is one the service accepts in production', () => {
  const registry = parseClients(JSON.parse(clientsMap().data?.['clients.json'] ?? ''), true);
  expect(registry.size).toBeGreaterThan(0);
});

describe('the Dockerfile', () => {
  const text = readFileSync(`${ROOT}Dockerfile`, 'utf8').replace(/\\\n/g, ' ');
  const lines = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  const stages = lines.map((l, i) => [l, i] as const).filter(([l]) => /^FROM /.test(l));
  const finalStage = lines.slice(stages.at(-1)![1]);

  test('is multi-stage: a build, a production-dependency and a runtime stage', () => {
    expect(stages.map(([l]) => l.split(/\s+/).at(-1))).toEqual(['build', 'deps', 'runtime']);
    expect(text).toMatch(/npm ci --omit=dev/);
    expect(finalStage.join('\n')).toMatch(/COPY --from=deps .*\/app\/node_modules/);
    expect(finalStage.join('\n')).not.toMatch(/npm (ci|install)(?! .*--omit=dev)/);
  });

  test('runs the runtime as a non-root user', () => {
    const users = finalStage.filter((l) => /^USER /.test(l));
    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/^USER (root|0)\b/);
  });

  test('has a HEALTHCHECK on /healthz and starts node directly (so SIGTERM reaches it)', () => {
    expect(finalStage.join('\n')).toMatch(/^HEALTHCHECK .*\/healthz/m);
    expect(finalStage.at(-1)).toBe('CMD ["node", "dist/server.js"]');
  });

  test('copies only paths that exist in the repository', () => {
    for (const line of lines.filter((l) => /^COPY (?!--from)/.test(l))) {
      const parts = line
        .split(/\s+/)
        .slice(1)
        .filter((p) => !p.startsWith('--'));
      for (const source of parts.slice(0, -1)) expect(existsSync(ROOT + source)).toBe(true);
    }
  });
});
