/**
 * Start-up refuses what it cannot run with: a malformed setting or an
 * unreachable database stops the process with exit code 1 and a message
 * that names the problem (and no password).
 */
import { spawn } from 'node:child_process';
import { newSigner, standardClients, writeClientsFile } from '../security/helpers.js';
import { ROOT, SERVER_ENTRY, runServiceSync } from './child-server.js';

function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SERVER_ENTRY], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        PORT: '0',
        LOG_FORMAT: 'json',
        DEMO_FHIR: 'false',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stderr });
    });
  });
}

test('a malformed DATABASE_URL stops start-up with exit code 1, naming the variable but not the password', async () => {
  const { code, stderr } = await start({ DATABASE_URL: 'mysql://cds:pa55word@db/cds' });
  expect(code).toBe(1);
  expect(stderr).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
  expect(stderr).not.toContain('pa55word');
}, 30_000);

test('an unreachable PostgreSQL stops start-up with exit code 1 instead of serving without a store', async () => {
  const { code, stderr } = await start({ DATABASE_URL: 'postgres://cds:pa55word@127.0.0.1:1/cds' });
  expect(code).toBe(1);
  expect(stderr).toContain('cannot open the store (postgres 127.0.0.1:1/cds): ');
  expect(stderr).toContain('ECONNREFUSED');
  expect(stderr).not.toContain('pa55word');
}, 30_000);

describe('the server process in production', () => {
  let clientsFile: string;
  beforeAll(async () => {
    const signer = await newSigner('ES384');
    clientsFile = writeClientsFile(standardClients([signer], signer));
  });

  test('without CDS_CLIENTS_FILE it exits 1 with that message and does not listen', () => {
    const run = runServiceSync({ NODE_ENV: 'production', PORT: '0' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/CDS_CLIENTS_FILE: required in production/);
    expect(run.stdout).not.toMatch(/listening/);
  });

  test('without CDS_PATIENT_KEY_SECRET it refuses to start', () => {
    const run = runServiceSync({ NODE_ENV: 'production', PORT: '0', CDS_CLIENTS_FILE: writeClientsFile([]) });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/CDS_PATIENT_KEY_SECRET: required in production/);
    expect(run.stdout).not.toMatch(/listening/);
  }, 40_000);

  test('with CDS_DEMO_ISSUER it exits 1 naming the variable and does not listen', () => {
    const run = runServiceSync({
      NODE_ENV: 'production',
      PORT: '0',
      CDS_CLIENTS_FILE: clientsFile,
      CDS_DEMO_ISSUER: 'true',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/CDS_DEMO_ISSUER: not allowed in production/);
    expect(run.stdout).not.toMatch(/listening/);
  });

  test('with DEMO_FHIR=true it exits 1 naming the variable and does not listen', () => {
    const run = runServiceSync({
      NODE_ENV: 'production',
      PORT: '0',
      CDS_CLIENTS_FILE: writeClientsFile([
        { iss: 'https://ehr.example', jwksUrl: 'https://ehr.example/jwks', fhirServers: [] },
      ]),
      DEMO_FHIR: 'true',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/DEMO_FHIR: not allowed in production/);
    expect(run.stdout).not.toMatch(/listening/);
  });
});
