/**
 * Which `fhirServer` a call may make this service contact (SSRF guard):
 * one of the calling client's registered FHIR base URLs, and https only in
 * production. Checked before any FHIR request is made.
 */
import type { RegisteredClient } from './clients.js';
import { normalizeFhirBase } from './clients.js';

/**
 * Why `fhirServer` may not be used, as a message that completes "fhirServer: …",
 * or undefined when it may. `client` is the authenticated caller (absent when
 * authentication is off, which only happens outside production).
 */
export function fhirServerProblem(
  fhirServer: string,
  production: boolean,
  client: RegisteredClient | undefined,
): string | undefined {
  let normalized: string;
  try {
    normalized = normalizeFhirBase(fhirServer);
  } catch {
    return 'is not a URL';
  }
  if (production && !normalized.startsWith('https://')) return 'must be an https URL in production';
  if (client && !client.fhirServers.includes(normalized))
    return 'is not one of the FHIR servers registered for this client; no request was made to it';
  return undefined;
}
