/**
 * Security configuration: production refuses to start without a clients
 * file, the clients file is validated with the field named, CORS origins
 * are explicit in production, and without a clients file (outside
 * production) authentication is off and the start-up log says so.
 */
import { parseClients } from '../../src/auth/clients.js';
import { authFromConfig } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { LogCapture, newSigner } from './helpers.js';

describe('production start-up', () => {
  test('loadConfig refuses NODE_ENV=production without CDS_CLIENTS_FILE, naming the variable', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/CDS_CLIENTS_FILE: required in production/);
  });

  test('a clients file that cannot be read stops start-up with the path named', () => {
    const config = loadConfig({ NODE_ENV: 'production', CDS_CLIENTS_FILE: '/nonexistent/clients.json' });
    expect(() => authFromConfig(config, createLogger('silent'))).toThrow(
      'CDS_CLIENTS_FILE: cannot read /nonexistent/clients.json (ENOENT)',
    );
  });

  test('CORS "*" is refused in production; outside production it is the default', () => {
    expect(() =>
      loadConfig({ NODE_ENV: 'production', CDS_CLIENTS_FILE: 'x.json', CORS_ORIGINS: '*' }),
    ).toThrow(/CORS_ORIGINS: "\*" is not allowed in production/);
    expect(loadConfig({ NODE_ENV: 'production', CDS_CLIENTS_FILE: 'x.json' }).corsOrigins).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'development' }).corsOrigins).toBe('*');
    expect(
      loadConfig({
        NODE_ENV: 'production',
        CDS_CLIENTS_FILE: 'x.json',
        CORS_ORIGINS: 'https://a.example, https://b.example',
      }).corsOrigins,
    ).toEqual(['https://a.example', 'https://b.example']);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://a.example/path' })).toThrow(/is not an origin/);
  });

  test('security settings have their documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      jwtClockSkewSeconds: 60,
      jwtMaxLifetimeSeconds: 3600,
      jwksCacheMaxAgeSeconds: 600,
      jwksCooldownSeconds: 30,
      replayCacheMaxEntries: 100_000,
      maxRequestBytes: 10 * 1024 * 1024,
      fhirMaxResponseBytes: 20 * 1024 * 1024,
    });
    expect(c.clientsFile).toBeUndefined();
    expect(() => loadConfig({ REDIS_URL: 'http://redis:6379' })).toThrow(/REDIS_URL: must be a redis/);
  });
});

test('without a clients file outside production, authentication is off and the start-up log warns loudly', () => {
  const logs = new LogCapture();
  const auth = authFromConfig(loadConfig({ NODE_ENV: 'development' }), createLogger('info', logs));
  expect(auth).toBeUndefined();
  const warning = logs.records().find((r) => r.level === 40);
  expect(warning?.msg).toMatch(/^AUTHENTICATION IS OFF: no CDS_CLIENTS_FILE/);
});

describe('the clients file', () => {
  const base = {
    iss: 'https://ehr.example',
    jwksUrl: 'https://ehr.example/jwks',
    fhirServers: ['https://fhir.example/r4'],
  };
  const parse =
    (client: Record<string, unknown>, production = true) =>
    () =>
      parseClients({ clients: [{ ...base, ...client }] }, production);

  test('a valid client is normalized: ES384 and RS384 always allowed, FHIR base without trailing slash', () => {
    const registry = parseClients(
      { clients: [{ ...base, fhirServers: ['https://FHIR.example/r4/'], additionalAlgorithms: ['PS384'] }] },
      true,
    );
    expect(registry.get('https://ehr.example')).toMatchObject({
      name: 'https://ehr.example',
      algorithms: ['ES384', 'RS384', 'PS384'],
      fhirServers: ['https://fhir.example/r4'],
      allowedJku: [],
    });
  });

  test.each(['HS256', 'none', 'EdDSA'])(
    'additionalAlgorithms "%s" is refused with the allowed list named',
    (alg) => {
      expect(parse({ additionalAlgorithms: [alg] })).toThrow(
        /clients\.0\.additionalAlgorithms\.0: .* is not allowed: one of ES256/,
      );
    },
  );

  test('a client without a key source is refused', () => {
    expect(parse({ jwksUrl: undefined })).toThrow(
      /clients\.0\.jwks: needs a key source: jwks, jwksUrl or allowedJku/,
    );
  });

  test('private key material in a static JWKS is refused', async () => {
    const { privateKey } = await import('jose').then((jose) =>
      jose.generateKeyPair('ES384', { extractable: true }),
    );
    const jwk = { ...(await import('jose').then((jose) => jose.exportJWK(privateKey))), kid: 'k1' };
    expect(parse({ jwks: { keys: [jwk] } })).toThrow(/holds private key material \("d"\)/);
  });

  test('a symmetric key (kty oct) is refused', () => {
    expect(parse({ jwks: { keys: [{ kty: 'oct', kid: 'k', k: 'c2VjcmV0' }] } })).toThrow(
      /clients\.0\.jwks\.keys\.0\.kty/,
    );
  });

  test('a static key without kid is refused', async () => {
    const { kid: _kid, ...jwk } = (await newSigner('ES384')).publicJwk;
    expect(parse({ jwks: { keys: [jwk] } })).toThrow(/jwks\.keys\.0\.kid/);
  });

  test('http URLs are refused in production and accepted outside it', () => {
    expect(parse({ fhirServers: ['http://fhir.example/r4'] })).toThrow(
      /clients\.0\.fhirServers\.0: must be an https URL in production/,
    );
    expect(parse({ jwksUrl: 'http://ehr.example/jwks' })).toThrow(
      /clients\.0\.jwksUrl: must be an https URL/,
    );
    expect(parse({ fhirServers: ['http://127.0.0.1:8080/fhir'] }, false)).not.toThrow();
  });

  test('a duplicate iss and an unknown field are refused', () => {
    expect(() => parseClients({ clients: [base, base] }, true)).toThrow(
      /"https:\/\/ehr.example" is listed twice/,
    );
    expect(parse({ fhirServer: 'https://typo.example' })).toThrow(
      /clients\.0: Unrecognized key: "fhirServer"/,
    );
  });

  test('fhirServers is required (an empty list allows prefetch-only calls)', () => {
    expect(parse({ fhirServers: undefined })).toThrow(/clients\.0\.fhirServers/);
    expect(parse({ fhirServers: [] })).not.toThrow();
  });
});
