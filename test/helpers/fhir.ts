/**
 * Small builders of FHIR R4 resources for tests that need data inline.
 */
import type { Bundle, Condition, FhirResource, Observation } from 'fhir/r4.js';

/** An active, confirmed RLS diagnosis. */
export function rlsCondition(
  patientId: string,
  id = `${patientId}-rls`,
  verification = 'confirmed',
): Condition {
  return {
    resourceType: 'Condition',
    id,
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
    },
    verificationStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: verification }],
    },
    code: {
      coding: [
        { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'G25.81', display: 'Restless legs syndrome' },
      ],
    },
    subject: { reference: `Patient/${patientId}` },
    onsetDateTime: '2020-01-01',
  };
}

/** A final lab result. */
export function lab(
  patientId: string,
  id: string,
  loinc: string,
  value: number,
  unit: string,
  effective: string,
): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: loinc }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: effective,
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
  };
}

/** A searchset Bundle of the resources. */
export function searchset(resources: readonly FhirResource[], next?: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
    ...(resources.length ? { entry: resources.map((resource) => ({ resource })) } : {}),
  };
}

/** A patient-view request body. */
export function patientView(
  patientId: string,
  prefetch?: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    hook: 'patient-view',
    hookInstance: '0b5c0a46-6d7c-4c2b-8b7a-3f0f8b7c9e11',
    context: { userId: 'Practitioner/1', patientId },
    ...(prefetch ? { prefetch } : {}),
    ...extra,
  };
}

/** Full prefetch for a patient-view: the given conditions and labs, every other key known-empty. */
export function fullPrefetch(
  conditions: readonly FhirResource[],
  labs: readonly FhirResource[],
): Record<string, unknown> {
  return {
    patient: null,
    conditions: searchset(conditions),
    ironStudies: searchset(labs),
    irlsScores: searchset([]),
    medicationRequests: searchset([]),
    medicationStatements: searchset([]),
  };
}

/** The same hook request without prefetch, pointing at a FHIR server with a bearer token (the fallback path). */
export function viaFallback(
  body: Record<string, unknown>,
  fhirServer: string,
  token: string,
): Record<string, unknown> {
  return {
    ...body,
    prefetch: undefined,
    fhirServer,
    fhirAuthorization: {
      access_token: token,
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'patient/*.read',
      subject: 'rls-cds',
    },
  };
}
