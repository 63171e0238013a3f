/**
 * The JSON the EHR simulator's own API returns to its page. Self-contained (no
 * imports) so that the browser bundle can share it without pulling in server
 * code. The hook calls themselves use plain CDS Hooks JSON, not these types.
 */

/** A daily dose as the service computed it. */
export type DoseView = { known: true; mgPerDay: number; how: string } | { known: false; reason: string };

/** One medication fact (order or statement) as the service sees it. */
export interface MedicationView {
  /** `MedicationRequest/123` or `MedicationStatement/abc`. */
  reference: string;
  ingredient: string;
  classes: string[];
  display: string;
  status: string;
  dose: DoseView;
  start?: string;
  matchedByText: boolean;
  /** Draft orders only: whether the order counts as selected in this call. */
  selected?: boolean;
  /** Completed orders only: why the order still counts as current therapy. */
  stillCurrent?: string;
}

/** A lab value normalised to the unit the thresholds use. */
export interface LabView {
  value: number;
  unit: string;
  effective: string;
  reportedAs?: string;
  computedFrom?: { iron: string; tibc: string };
}

/** What the service knows about one analyte. */
export interface LabFindingView {
  latest?: LabView;
  stale?: LabView;
  ignored: string[];
}

/** A condition the rules rely on. */
export interface ConditionView {
  /** What the rules call it: RLS, ESRD, OSA, opioid use disorder, pregnancy. */
  label: string;
  display: string;
  code?: string;
  date?: string;
  matchedByText: boolean;
}

/** The patient facts the service derives from one hook request (the chart's "what the service sees"). */
export interface FactsView {
  patientId: string;
  hook: string;
  /** The clock the service used. */
  now: string;
  conditions: ConditionView[];
  /** Labels of the conditions the rules look for that the patient does not have. */
  absentConditions: string[];
  ferritin: LabFindingView;
  tsat: LabFindingView;
  /** What the patient takes: active medications and completed orders still current. */
  currentTherapy: MedicationView[];
  medicationHistory: MedicationView[];
  draftOrders: MedicationView[];
  irlsScores: { value: number; effective: string }[];
  /** Data that could not be obtained or was only partly read. */
  unavailable: string[];
  /** Required data that is missing (the hook call would answer 412). */
  missing: string[];
}

/** A drug the order composer offers, from the service's drug catalog. */
export interface OrderableView {
  id: string;
  display: string;
  /** The composer's group heading (drug class in plain words). */
  group: string;
  /** RxNorm ingredient code. */
  rxcui: string;
  products: { rxcui: string; mg: number; basis: 'unit' | 'per-mL' | 'per-24h'; display: string }[];
}

/** Settings the page needs from the server. */
export interface SessionView {
  /** Absolute URL of the demo FHIR server, sent as `fhirServer`. */
  fhirServer: string;
  /** The practitioner the simulated clinician is, for `context.userId`. */
  userId: string;
  /** The service's external base URL (`CDS_PUBLIC_URL`): a JWT's `aud` is this plus the endpoint's path. */
  publicUrl: string;
  /** True when the demo issuer is on: the page sends a signed JWT with every call (one from POST api/jwt per call). */
  jwt: boolean;
}
