/**
 * The one place for every code the service reads or writes.
 *
 * Every code here carries its evidence tag (docs/clinical.md#sources-and-evidence): [V] seen verbatim in a primary source, [S] seen in
 * a secondary source, [D] derived by arithmetic. Facts tagged [U] (unverified)
 * are deliberately NOT encoded as codes; where they matter the comment says so.
 */

/** FHIR system URIs. */
export const SYSTEM = {
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  ucum: 'http://unitsofmeasure.org',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  /** HL7 timing abbreviations (BID, TID, QHS ...). */
  timingAbbreviation: 'http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation',
  /**
   * Local code system for RLS assessment scores. No LOINC code exists for the
   * IRLS total score ([U]: none found), so the service
   * defines its own. The URI is a fixed UUID URN: stable across deployments,
   * owned by nobody else. EHRs map their flowsheet rows to it (see docs/clinical.md).
   */
  rlsScores: 'urn:uuid:5b0d7c52-3a8e-4f43-9d6b-2f1c7c0e6a41',
} as const;

/** A code with its system and human-readable display. */
export interface CodeRef {
  readonly system: string;
  readonly code: string;
  readonly display: string;
}

/** Builds the lookup key `system|code` used by every value set. */
export function codeKey(system: string, code: string): string {
  return `${system}|${code}`;
}

/** A set of codes, matched by exact `system|code` and optionally by code prefix within one system. */
export interface ValueSet {
  readonly name: string;
  readonly codes: readonly CodeRef[];
  /** ICD-10-CM style hierarchies, e.g. every F11.* code. */
  readonly prefixes?: readonly { readonly system: string; readonly prefix: string }[];
  /** Lower-case text fragments used when no coding matches (fallback; reported as such). */
  readonly text?: readonly string[];
}

/** A value set compiled once into a Set for O(1) membership tests. */
export interface CompiledValueSet extends ValueSet {
  readonly keys: ReadonlySet<string>;
  /** The codes by system: membership without building a `system|code` string on every test. */
  readonly bySystem: ReadonlyMap<string, ReadonlySet<string>>;
}

function valueSet(vs: ValueSet): CompiledValueSet {
  const bySystem = new Map<string, Set<string>>();
  for (const c of vs.codes) bySystem.set(c.system, (bySystem.get(c.system) ?? new Set()).add(c.code));
  return { ...vs, keys: new Set(vs.codes.map((c) => codeKey(c.system, c.code))), bySystem };
}

/** True when the coding belongs to the value set (exact code or prefix). */
export function inValueSet(
  vs: CompiledValueSet,
  system: string | undefined,
  code: string | undefined,
): boolean {
  if (!system || !code) return false;
  // On the hot path (every coding of every record, for several value sets): no allocation. Values
  // from the wire that are not strings compare as their string form, as a `system|code` key would.
  const codes = vs.bySystem.get(typeof system === 'string' ? system : String(system));
  if (codes?.has(typeof code === 'string' ? code : String(code))) return true;
  if (!vs.prefixes) return false;
  for (const p of vs.prefixes) if (p.system === system && code.startsWith(p.prefix)) return true;
  return false;
}

const sct = (code: string, display: string): CodeRef => ({ system: SYSTEM.snomed, code, display });
const icd = (code: string, display: string): CodeRef => ({ system: SYSTEM.icd10cm, code, display });
const loinc = (code: string, display: string): CodeRef => ({ system: SYSTEM.loinc, code, display });

// ---------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------

/** Restless legs syndrome. G25.81 [V]; SNOMED 32914008 [V]. */
export const RLS = valueSet({
  name: 'Restless legs syndrome',
  codes: [icd('G25.81', 'Restless legs syndrome'), sct('32914008', 'Restless legs')],
  text: ['restless legs', 'restless leg syndrome', 'willis-ekbom'],
});

/**
 * End-stage renal disease or dependence on dialysis, all [V] (VSAC ESRD value
 * set; Z99.2 from the CMS-HCC dialysis status group). ESRD with a renal
 * transplant (236436003) is deliberately excluded: the ESRD dosing and iron
 * recommendations are for patients on or facing dialysis.
 */
export const ESRD = valueSet({
  name: 'End-stage renal disease',
  codes: [
    icd('N18.6', 'End stage renal disease'),
    icd('Z99.2', 'Dependence on renal dialysis'),
    sct('46177005', 'End-stage renal disease'),
    sct('236434000', 'End stage renal failure untreated by renal replacement therapy'),
    sct('236435004', 'End stage renal failure on dialysis'),
  ],
});

/**
 * Sleep apnea of any type: obstructive (G47.33, 78275009, 1101000119103, all
 * [V] VSAC "Sleep Apnea") and unspecified, central and other sleep apnea
 * (G47.30, G47.31, G47.37, G47.39, [V] CDC opioid CDS "conditions documenting
 * sleep-disordered breathing"). SNOMED 73430006 "Sleep apnea" is only [S], so
 * it is not encoded; its display text still matches through the text fallback.
 */
export const SLEEP_APNEA = valueSet({
  name: 'Sleep apnea',
  codes: [
    icd('G47.30', 'Sleep apnea, unspecified'),
    icd('G47.31', 'Primary central sleep apnea'),
    icd('G47.33', 'Obstructive sleep apnea (adult) (pediatric)'),
    icd('G47.37', 'Central sleep apnea in conditions classified elsewhere'),
    icd('G47.39', 'Other sleep apnea'),
    sct('78275009', 'Obstructive sleep apnea syndrome'),
    sct('1101000119103', 'Obstructive sleep apnea of adult'),
  ],
  text: ['sleep apnea', 'sleep apnoea'],
});

/** The former name of the sleep apnea value set (obstructive only in catalog v1). */
export const OSA = SLEEP_APNEA;

/** Chronic kidney disease stage 5 (N18.5, 433146000, both [V]): ESRD for the rules only when on dialysis. */
export const CKD_STAGE_5 = valueSet({
  name: 'Chronic kidney disease stage 5',
  codes: [
    icd('N18.5', 'Chronic kidney disease, stage 5'),
    sct('433146000', 'Chronic kidney disease stage 5'),
  ],
});

/**
 * Dialysis as a Procedure: renal dialysis 265764009 and hemodialysis 302497006
 * ([S], Synthea-derived code lists), peritoneal dialysis 71192002 (catalog policy),
 * and the words "hemodialysis" / "peritoneal dialysis" in the text.
 */
export const DIALYSIS_PROCEDURE = valueSet({
  name: 'Dialysis',
  codes: [
    sct('265764009', 'Renal dialysis'),
    sct('302497006', 'Hemodialysis'),
    sct('71192002', 'Peritoneal dialysis'),
  ],
  text: ['hemodialysis', 'haemodialysis', 'peritoneal dialysis'],
});

/**
 * Words of work on a dialysis access ([D]): a Procedure whose text names dialysis
 * together with one of these ("hemodialysis catheter placement", "arteriovenous
 * fistula creation for hemodialysis", "peritoneal dialysis catheter insertion") is
 * surgery or catheter work, not a dialysis session, so it does not count as dialysis
 * by its text. The access itself (catheter, fistula, graft) is not on the list: a
 * session is often recorded by the access it ran through ("hemodialysis via AV
 * fistula"). A coded dialysis procedure ({@link DIALYSIS_PROCEDURE}) counts whatever
 * its text says. Words are matched whole. "Exchange" is not on the list: a peritoneal
 * dialysis exchange is a dialysis session.
 */
export const DIALYSIS_ACCESS_TEXT: readonly string[] = [
  'fistulogram',
  'placement',
  'insertion',
  'removal',
  'creation',
  'revision',
  'repair',
  'ligation',
  'thrombectomy',
  'declotting',
  'angioplasty',
];

/** Opioid use disorder, [V] (CDC opioid CDS value set: SNOMED codes and ICD-10-CM is-a F11). */
export const OPIOID_USE_DISORDER = valueSet({
  name: 'Opioid use disorder',
  codes: [
    sct('5602001', 'Opioid abuse'),
    sct('75544000', 'Opioid dependence'),
    sct('191821007', 'Opioid dependence in remission'),
    sct('1081000119105', 'Opioid dependence, on agonist therapy'),
  ],
  prefixes: [{ system: SYSTEM.icd10cm, prefix: 'F11' }],
  text: ['opioid use disorder', 'opioid dependence', 'opioid abuse'],
});

/** Opioid use disorder codes that say "in remission" (F11.11, F11.21, 191821007; [V]). */
export const OPIOID_USE_DISORDER_IN_REMISSION = valueSet({
  name: 'Opioid use disorder in remission',
  codes: [
    icd('F11.11', 'Opioid abuse, in remission'),
    icd('F11.21', 'Opioid dependence, in remission'),
    sct('191821007', 'Opioid dependence in remission'),
  ],
});

/** Opioid use disorder on agonist (maintenance) therapy: SNOMED 1081000119105 [V]. */
export const OPIOID_USE_DISORDER_ON_AGONIST = valueSet({
  name: 'Opioid use disorder on agonist therapy',
  codes: [sct('1081000119105', 'Opioid dependence, on agonist therapy')],
});

/**
 * Pregnancy: SNOMED 77386006 and 72892002, ICD-10-CM Z33.1 and O09.* ([V] VSAC
 * "Pregnancy"), and Z34.* supervision of normal pregnancy ([S] ICD-10-CM tabular;
 * the usual US code for a normal pregnancy, named by the catalog policy).
 */
export const PREGNANCY = valueSet({
  name: 'Pregnancy',
  codes: [
    sct('77386006', 'Pregnant'),
    sct('72892002', 'Normal pregnancy'),
    icd('Z33.1', 'Pregnant state, incidental'),
  ],
  prefixes: [
    { system: SYSTEM.icd10cm, prefix: 'O09' },
    { system: SYSTEM.icd10cm, prefix: 'Z34' },
  ],
});

// ---------------------------------------------------------------------------
// Laboratory
// ---------------------------------------------------------------------------

/** Serum ferritin, all [V]. 14723-1 is molar (pmol/L) and is recognised but not converted (factor [U]). */
export const FERRITIN = valueSet({
  name: 'Ferritin',
  codes: [
    loinc('2276-4', 'Ferritin [Mass/volume] in Serum or Plasma'),
    loinc('20567-4', 'Ferritin [Mass/volume] in Serum or Plasma by Immunoassay'),
    loinc('24373-3', 'Ferritin [Mass/volume] in Blood'),
    loinc('14723-1', 'Ferritin [Moles/volume] in Serum or Plasma'),
  ],
});

/** Transferrin saturation. 2502-3 [V]. 14801-5 is [S] only, so it is not included. */
export const TSAT = valueSet({
  name: 'Transferrin saturation',
  codes: [loinc('2502-3', 'Iron saturation [Mass Fraction] in Serum or Plasma')],
});

/** Serum iron, mass (ug/dL) and molar (umol/L) forms, both [V]. */
export const SERUM_IRON = valueSet({
  name: 'Serum iron',
  codes: [
    loinc('2498-4', 'Iron [Mass/volume] in Serum or Plasma'),
    loinc('14798-3', 'Iron [Moles/volume] in Serum or Plasma'),
  ],
});

/** Total iron-binding capacity, mass and molar forms, both [V]. */
export const TIBC = valueSet({
  name: 'Total iron binding capacity',
  codes: [
    loinc('2500-7', 'Iron binding capacity [Mass/volume] in Serum or Plasma'),
    loinc('14800-7', 'Iron binding capacity [Moles/volume] in Serum or Plasma'),
  ],
});

/** Codes ordered by the "iron studies" suggestion: ferritin, serum iron, TIBC, TSAT (all [V]). */
export const IRON_STUDY_ORDER: readonly CodeRef[] = [
  loinc('2276-4', 'Ferritin [Mass/volume] in Serum or Plasma'),
  loinc('2498-4', 'Iron [Mass/volume] in Serum or Plasma'),
  loinc('2500-7', 'Iron binding capacity [Mass/volume] in Serum or Plasma'),
  loinc('2502-3', 'Iron saturation [Mass Fraction] in Serum or Plasma'),
];

/** Every LOINC code of the iron studies: the prefetch template and demo server search on these. */
export const IRON_STUDY_CODES: readonly CodeRef[] = [
  ...FERRITIN.codes,
  ...TSAT.codes,
  ...SERUM_IRON.codes,
  ...TIBC.codes,
];

/** IRLS total score in the local score system (0-40). */
export const IRLS_TOTAL: CodeRef = {
  system: SYSTEM.rlsScores,
  code: 'irls-total',
  display: 'International RLS Study Group Rating Scale total score',
};

/** The IRLS value set: only the local code, until a LOINC code is published. */
export const IRLS = valueSet({ name: 'IRLS total score', codes: [IRLS_TOTAL] });

/**
 * Dopaminergic augmentation, recorded by the clinician as an Observation or a
 * Condition. No ICD-10-CM or SNOMED CT code for RLS augmentation exists
 * ([U]: none found), so the local score system carries one.
 */
export const AUGMENTATION_FINDING: CodeRef = {
  system: SYSTEM.rlsScores,
  code: 'rls-augmentation',
  display: 'Dopaminergic augmentation of restless legs syndrome',
};

/** The augmentation value set (local code only). */
export const AUGMENTATION = valueSet({
  name: 'RLS augmentation',
  codes: [AUGMENTATION_FINDING],
  text: ['augmentation'],
});

/** Opioid-misuse risk assessment: SNOMED 454281000124100 [V] (CDC opioid CPG example). */
export const OPIOID_RISK_SCREEN = valueSet({
  name: 'Opioid misuse risk assessment',
  codes: [sct('454281000124100', 'Assessment of risk for opioid abuse (procedure)')],
  text: ['opioid risk tool', 'opioid risk assessment', 'opioid misuse risk'],
});

/**
 * Treatment of sleep apnea, recognised by text only: the project's terminology
 * notes list no verified code for PAP or other sleep apnea therapy, so
 * Procedures and DeviceUseStatements are matched on these words (and the
 * card says the match came from text). Words are matched whole.
 */
export const OSA_TREATMENT_TEXT: readonly string[] = [
  'cpap',
  'bipap',
  'apap',
  'pap therapy',
  'pap device',
  'positive airway pressure',
  'oral appliance',
  'mandibular advancement',
  'hypoglossal nerve stimulation',
  'hypoglossal nerve stimulator',
  'uvulopalatopharyngoplasty',
  'uppp',
  'upper airway surgery',
  'upper-airway surgery',
  'maxillomandibular advancement',
];

/**
 * Diagnostic sleep studies, which are not treatment even when they name a PAP
 * device: polysomnography, home sleep apnea tests and CPAP/PAP titration
 * studies ([D]).
 */
export const SLEEP_STUDY_TEXT: readonly string[] = [
  'titration',
  'polysomnography',
  'polysomnogram',
  'sleep study',
  'home sleep',
  'hsat',
  'psg',
];

/**
 * Non-RLS indications of drugs the guideline advises against for RLS, as words
 * on the active problem list. No verified code ([V]) is known for
 * any of these conditions, so they are matched on text only (condition text and
 * coding displays), and the card says so.
 */
export const NON_RLS_INDICATION_TEXT: Readonly<
  Record<string, readonly { name: string; words: readonly string[] }[]>
> = {
  bupropion: [
    { name: 'depression', words: ['depress'] },
    {
      name: 'smoking cessation',
      words: [
        'nicotine dependence',
        'tobacco use',
        'tobacco dependence',
        'smoking cessation',
        'current smoker',
      ],
    },
  ],
  valproate: [
    { name: 'epilepsy', words: ['epilep', 'seizure disorder'] },
    { name: 'bipolar disorder', words: ['bipolar'] },
    { name: 'migraine', words: ['migraine'] },
  ],
  carbamazepine: [
    { name: 'epilepsy', words: ['epilep', 'seizure disorder'] },
    { name: 'bipolar disorder', words: ['bipolar'] },
    { name: 'trigeminal neuralgia', words: ['trigeminal neuralgia'] },
  ],
  clonazepam: [
    { name: 'epilepsy', words: ['epilep', 'seizure disorder'] },
    { name: 'panic disorder', words: ['panic'] },
    {
      name: 'REM sleep behaviour disorder',
      words: ['rem sleep behavior', 'rem sleep behaviour', 'rem behavior disorder', 'rem behaviour disorder'],
    },
  ],
  cabergoline: [{ name: 'hyperprolactinemia', words: ['hyperprolactin', 'prolactinoma'] }],
};
