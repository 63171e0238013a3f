/**
 * The NetworkPolicy in deploy/ limits the pods' egress to DNS and named
 * destinations on named ports: no rule lets everything out, the FHIR/JWKS
 * rule covers the ports of every URL in the shipped clients file, and the
 * policy selects the Deployment's pods.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { parseAllDocuments } from 'yaml';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));

function yaml<T>(file: string): T[] {
  return parseAllDocuments(readFileSync(DEPLOY + file, 'utf8')).map((d) => d.toJS() as T);
}

const [policy] = yaml<NetworkPolicy>('networkpolicy.yaml');
const spec = policy!.spec!;
const egress = spec.egress ?? [];

test('it is a valid NetworkPolicy for egress, selecting the Deployment’s pods', () => {
  expect(() => new NetworkPolicy(policy).validate()).not.toThrow();
  expect(spec.policyTypes).toEqual(['Egress']);
  const [deployment] = yaml<{ spec: { template: { metadata: { labels: Record<string, string> } } } }>(
    'deployment.yaml',
  );
  const labels = deployment!.spec.template.metadata.labels;
  for (const [k, v] of Object.entries(spec.podSelector.matchLabels ?? {})) expect(labels[k]).toBe(v);
});

test('no rule lets everything out: each names destinations and ports, and no address range is the whole internet', () => {
  expect(egress.length).toBeGreaterThanOrEqual(2);
  for (const rule of egress) {
    expect(rule.to?.length).toBeGreaterThan(0);
    expect(rule.ports?.length).toBeGreaterThan(0);
    for (const peer of rule.to ?? []) {
      if (peer.ipBlock) expect(peer.ipBlock.cidr).not.toMatch(/^(0\.0\.0\.0|::)\/0$/);
      else expect(peer.podSelector?.matchLabels).toBeDefined();
    }
  }
});

test('DNS is allowed to the cluster DNS pods only, on port 53 over UDP and TCP', () => {
  const dns = egress.filter((r) => (r.ports ?? []).some((p) => p.port === 53));
  expect(dns).toHaveLength(1);
  expect(dns[0]!.ports).toEqual([
    { protocol: 'UDP', port: 53 },
    { protocol: 'TCP', port: 53 },
  ]);
  expect(dns[0]!.to).toEqual([
    expect.objectContaining({ podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }),
  ]);
});

test('every FHIR server and JWKS URL of the shipped clients file is on a port an address-range rule allows', () => {
  const [clients] = yaml<{ data: Record<string, string> }>('clients-configmap.yaml');
  const file = JSON.parse(clients!.data['clients.json']!) as {
    clients: { jwksUrl?: string; allowedJku?: string[]; fhirServers: string[] }[];
  };
  const urls = file.clients.flatMap((c) => [
    ...c.fhirServers,
    ...(c.jwksUrl ? [c.jwksUrl] : []),
    ...(c.allowedJku ?? []),
  ]);
  expect(urls.length).toBeGreaterThan(0);
  const rangePorts = new Set(
    egress
      .filter((r) => (r.to ?? []).every((p) => p.ipBlock))
      .flatMap((r) => (r.ports ?? []).map((p) => p.port)),
  );
  for (const url of urls) {
    const u = new URL(url);
    expect(u.protocol).toBe('https:');
    expect(rangePorts.has(Number(u.port || 443))).toBe(true);
  }
});
