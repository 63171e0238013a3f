import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { fixtureStore, testApp } from '../helpers/app.js';
import { shiftDates, daysSinceAnchor, FIXTURE_ANCHOR } from '../../src/demo/rebase.js';

test('the demo FHIR server serves the fixture patients for reads and searches', async () => {
  const app = testApp({ DEMO_FHIR: 'true' }, fixtureStore());
  const patient = await request(app).get('/demo/fhir/Patient/rls-low-ferritin').expect(200);
  expect(patient.body).toMatchObject({ resourceType: 'Patient', id: 'rls-low-ferritin' });
  const obs = await request(app)
    .get('/demo/fhir/Observation?patient=rls-low-ferritin&code=http://loinc.org|2276-4')
    .expect(200);
  expect((obs.body as { total: number }).total).toBe(3);
});

test('production turns the demo FHIR server off', async () => {
  // Production refuses to start without a clients file and a patient-key secret.
  const clientsFile = join(mkdtempSync(join(tmpdir(), 'rls-cds-demo-')), 'clients.json');
  const client = { iss: 'https://ehr.example', jwksUrl: 'https://ehr.example/jwks', fhirServers: [] };
  writeFileSync(clientsFile, JSON.stringify({ clients: [client] }));
  const app = testApp(
    {
      NODE_ENV: 'production',
      CDS_CLIENTS_FILE: clientsFile,
      CDS_PATIENT_KEY_SECRET: 'demo-test-patient-key-secret-0123456789',
    },
    fixtureStore(),
  );
  await request(app).get('/demo/fhir/Patient/rls-low-ferritin').expect(404);
});

test('the demo moves fixture dates so that their age stays the same on any day', () => {
  const lab = {
    effectiveDateTime: '2026-10-15T08:10:00-05:00',
    nested: [{ date: '2026-10-30' }],
    text: 'not a date',
  };
  expect(shiftDates(lab, 10)).toEqual({
    effectiveDateTime: '2026-10-25T08:10:00-05:00',
    nested: [{ date: '2026-11-09' }],
    text: 'not a date',
  });
  expect(daysSinceAnchor(new Date(FIXTURE_ANCHOR.getTime() + 3 * 86_400_000))).toBe(3);
});
