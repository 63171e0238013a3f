import request from 'supertest';
import { testApp } from '../helpers/app.js';
import { emptyValues } from '../helpers/cards.js';

interface DiscoveryEntry {
  id: string;
  hook: string;
  title: string;
  description: string;
  usageRequirements: string;
  prefetch: Record<string, string>;
}

async function discovery(): Promise<DiscoveryEntry[]> {
  const res = await request(testApp()).get('/cds-services').expect(200);
  return (res.body as { services: DiscoveryEntry[] }).services;
}

test('discovery lists the four services under their contractual ids and hooks', async () => {
  const services = await discovery();
  expect(services.map((s) => [s.id, s.hook])).toEqual([
    ['rls-patient-view', 'patient-view'],
    ['rls-order-select', 'order-select'],
    ['rls-order-sign', 'order-sign'],
    ['rls-medication-prescribe', 'medication-prescribe'],
  ]);
});

test('every service has a title, a description and usage requirements, and no empty values', async () => {
  for (const s of await discovery()) {
    expect(s.title.length).toBeGreaterThan(10);
    expect(s.description.length).toBeGreaterThan(40);
    expect(s.usageRequirements).toMatch(/fhirServer/);
    expect(emptyValues(s)).toEqual([]);
  }
});

test('every service prefetches the patient, conditions, iron studies, RLS assessments, medications (ordered, reported and given), procedures and devices', async () => {
  for (const s of await discovery()) {
    expect(Object.keys(s.prefetch).sort()).toEqual(
      [
        'conditions',
        'deviceUseStatements',
        'ironStudies',
        'medicationAdministrations',
        'medicationRequests',
        'medicationStatements',
        'patient',
        'procedures',
        'rlsAssessments',
      ].sort(),
    );
    expect(s.prefetch.patient).toBe('Patient/{{context.patientId}}');
    expect(s.prefetch.ironStudies).toContain('http://loinc.org|2276-4');
    expect(s.prefetch.ironStudies).toContain('http://loinc.org|2502-3');
    expect(s.prefetch.rlsAssessments).toContain('|irls-total');
  }
});

test('prefetch templates stay inside the CDS Hooks 2.0 restricted query subset', async () => {
  const allowedParams = new Set(['patient', 'code', '_count', '_sort']);
  for (const s of await discovery()) {
    for (const template of Object.values(s.prefetch)) {
      const tokens = [...template.matchAll(/\{\{([^}]*)\}\}/g)].map((m) => m[1]);
      expect(tokens.every((t) => t === 'context.patientId')).toBe(true);
      const [path, query] = template.split('?');
      expect(path).toMatch(/^[A-Z][A-Za-z]+(\/\{\{context\.patientId\}\})?$/);
      for (const pair of (query ?? '').split('&').filter(Boolean)) {
        expect(allowedParams.has(pair.split('=')[0] ?? '')).toBe(true);
      }
    }
  }
});
