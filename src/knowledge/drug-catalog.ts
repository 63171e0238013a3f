/**
 * RLS-relevant drugs: RxNorm ingredient and clinical-drug (SCD) codes, drug
 * classes and product strengths. The one place for medication codes.
 *
 * Source: RxNorm prescribable content 2025-10 ([V] unless marked; evidence
 * tags: docs/clinical.md#sources-and-evidence). Strengths are those stated in the SCD
 * names. Codes marked [U] there (alprazolam IN 596, asenapine, the
 * oxycodone/naloxone ATC) are not encoded.
 */
import { LRUCache } from 'lru-cache';
import { SYSTEM } from './terminology.js';

/** Longest drug or sig text that is parsed; the rest is ignored. */
export const MAX_PARSED_TEXT = 500;

/** Pharmacological role of an ingredient, as the rules need it. */
export type DrugClass =
  | 'dopamine-agonist'
  | 'ergot-dopamine-agonist'
  | 'levodopa'
  | 'alpha2delta'
  | 'opioid'
  | 'benzodiazepine'
  | 'sedative-hypnotic'
  | 'antidepressant'
  | 'sedating-antihistamine'
  | 'dopamine-antagonist'
  | 'avoid-in-rls'
  | 'iron-iv'
  | 'iron-oral'
  | 'laxative'
  | 'alpha2-agonist'
  | 'vitamin-c';

/** How the strength of a product is expressed. */
export type StrengthBasis = 'unit' | 'per-mL' | 'per-24h';

/** One clinical drug (SCD) with the strength of its rate-determining ingredient. */
export interface Product {
  readonly rxcui: string;
  /** mg per tablet/capsule/vial ('unit'), per mL ('per-mL') or delivered per 24 h ('per-24h', patches). */
  readonly mg: number;
  readonly basis: StrengthBasis;
  readonly display: string;
}

/** A drug ingredient with every code and name by which it is recognised. */
export interface Ingredient {
  readonly id: string;
  readonly display: string;
  /** RxNorm IN (or PIN/MIN where the notes say so). */
  readonly rxcuis: readonly string[];
  readonly classes: readonly DrugClass[];
  /** Lower-case names for the text fallback, most specific first. */
  readonly names: readonly string[];
  readonly products?: readonly Product[];
}

const tab = (rxcui: string, mg: number, display: string): Product => ({ rxcui, mg, basis: 'unit', display });
const patch24h = (rxcui: string, mgPer24h: number, display: string): Product => ({
  rxcui,
  mg: mgPer24h,
  basis: 'per-24h',
  display,
});
const soln = (rxcui: string, mgPerMl: number, display: string): Product => ({
  rxcui,
  mg: mgPerMl,
  basis: 'per-mL',
  display,
});

/** Plain ingredients with no product list: only the IN code and the name. */
function simple(id: string, rxcui: string, classes: DrugClass[], names: string[] = [id]): Ingredient {
  return { id, display: id, rxcuis: [rxcui], classes, names };
}

/**
 * Every ingredient the service recognises. Order matters for the text
 * fallback: more specific names (gabapentin enacarbil) come before the names
 * they contain (gabapentin).
 */
export const INGREDIENTS: readonly Ingredient[] = [
  // Dopamine agonists (US pramipexole doses are the dihydrochloride salt, as on the label).
  {
    id: 'pramipexole',
    display: 'pramipexole',
    rxcuis: ['746741'],
    classes: ['dopamine-agonist'],
    names: ['pramipexole', 'mirapex'],
    products: [
      tab('859033', 0.125, 'pramipexole 0.125 mg tablet'),
      tab('859040', 0.25, 'pramipexole 0.25 mg tablet'),
      tab('859044', 0.5, 'pramipexole 0.5 mg tablet'),
      tab('858625', 0.75, 'pramipexole 0.75 mg tablet'),
      tab('859052', 1, 'pramipexole 1 mg tablet'),
      tab('859048', 1.5, 'pramipexole 1.5 mg tablet'),
      tab('901541', 0.375, 'pramipexole 0.375 mg 24 HR ER tablet'),
      tab('901546', 0.75, 'pramipexole 0.75 mg 24 HR ER tablet'),
      tab('901550', 1.5, 'pramipexole 1.5 mg 24 HR ER tablet'),
      tab('1114479', 2.25, 'pramipexole 2.25 mg 24 HR ER tablet'),
      tab('901555', 3, 'pramipexole 3 mg 24 HR ER tablet'),
      tab('1114485', 3.75, 'pramipexole 3.75 mg 24 HR ER tablet'),
      tab('901534', 4.5, 'pramipexole 4.5 mg 24 HR ER tablet'),
    ],
  },
  {
    id: 'ropinirole',
    display: 'ropinirole',
    rxcuis: ['72302'],
    classes: ['dopamine-agonist'],
    names: ['ropinirole', 'requip'],
    products: [
      tab('312845', 0.25, 'ropinirole 0.25 mg tablet'),
      tab('312846', 0.5, 'ropinirole 0.5 mg tablet'),
      tab('314208', 1, 'ropinirole 1 mg tablet'),
      tab('312847', 2, 'ropinirole 2 mg tablet'),
      tab('283858', 3, 'ropinirole 3 mg tablet'),
      tab('562704', 4, 'ropinirole 4 mg tablet'),
      tab('312849', 5, 'ropinirole 5 mg tablet'),
      tab('799055', 2, 'ropinirole 2 mg 24 HR ER tablet'),
      tab('799056', 4, 'ropinirole 4 mg 24 HR ER tablet'),
      tab('848582', 6, 'ropinirole 6 mg 24 HR ER tablet'),
      tab('799054', 8, 'ropinirole 8 mg 24 HR ER tablet'),
      tab('824959', 12, 'ropinirole 12 mg 24 HR ER tablet'),
    ],
  },
  {
    id: 'rotigotine',
    display: 'rotigotine',
    rxcuis: ['616739'],
    classes: ['dopamine-agonist'],
    names: ['rotigotine', 'neupro'],
    // Patch strengths are labelled in mg/h; mg/24 h is derived ([D]).
    products: [
      patch24h('1251912', 1, 'rotigotine 1 mg/24 h transdermal patch'),
      patch24h('722253', 2, 'rotigotine 2 mg/24 h transdermal patch'),
      patch24h('1251916', 3, 'rotigotine 3 mg/24 h transdermal patch'),
      patch24h('722295', 4, 'rotigotine 4 mg/24 h transdermal patch'),
      patch24h('722279', 6, 'rotigotine 6 mg/24 h transdermal patch'),
      patch24h('1251920', 8, 'rotigotine 8 mg/24 h transdermal patch'),
    ],
  },
  {
    id: 'cabergoline',
    display: 'cabergoline',
    rxcuis: ['47579'],
    classes: ['ergot-dopamine-agonist', 'avoid-in-rls'],
    names: ['cabergoline', 'dostinex'],
    products: [tab('199703', 0.5, 'cabergoline 0.5 mg tablet')],
  },
  {
    id: 'levodopa',
    display: 'carbidopa/levodopa',
    rxcuis: ['6375', '103990'],
    classes: ['levodopa'],
    names: ['levodopa', 'sinemet', 'rytary'],
    // Strength is the levodopa component.
    products: [
      tab('197443', 100, 'carbidopa 10 mg / levodopa 100 mg tablet'),
      tab('197444', 100, 'carbidopa 25 mg / levodopa 100 mg tablet'),
      tab('197445', 250, 'carbidopa 25 mg / levodopa 250 mg tablet'),
      tab('308988', 100, 'carbidopa 25 mg / levodopa 100 mg ER tablet'),
      tab('308989', 200, 'carbidopa 50 mg / levodopa 200 mg ER tablet'),
      tab('476399', 100, 'carbidopa 25 mg / levodopa 100 mg ODT'),
    ],
  },
  // Alpha-2-delta ligands. Gabapentin enacarbil is a PIN whose SCDs hang off gabapentin:
  // it is told apart by its SCDs and its name, so it must come before gabapentin.
  {
    id: 'gabapentin-enacarbil',
    display: 'gabapentin enacarbil',
    rxcuis: ['1101333'],
    classes: ['alpha2delta'],
    names: ['gabapentin enacarbil', 'horizant'],
    products: [
      tab('1101338', 600, 'gabapentin enacarbil 600 mg ER tablet'),
      tab('1482820', 300, 'gabapentin enacarbil 300 mg ER tablet'),
    ],
  },
  {
    id: 'gabapentin',
    display: 'gabapentin',
    rxcuis: ['25480'],
    classes: ['alpha2delta'],
    names: ['gabapentin', 'neurontin', 'gralise'],
    products: [
      tab('310430', 100, 'gabapentin 100 mg capsule'),
      tab('310431', 300, 'gabapentin 300 mg capsule'),
      tab('310432', 400, 'gabapentin 400 mg capsule'),
      tab('310433', 600, 'gabapentin 600 mg tablet'),
      tab('310434', 800, 'gabapentin 800 mg tablet'),
      soln('283523', 50, 'gabapentin 50 mg/mL oral solution'),
    ],
  },
  {
    id: 'pregabalin',
    display: 'pregabalin',
    rxcuis: ['187832'],
    classes: ['alpha2delta'],
    names: ['pregabalin', 'lyrica'],
    products: [
      tab('483442', 25, 'pregabalin 25 mg capsule'),
      tab('483448', 50, 'pregabalin 50 mg capsule'),
      tab('483450', 75, 'pregabalin 75 mg capsule'),
      tab('483438', 100, 'pregabalin 100 mg capsule'),
      tab('483440', 150, 'pregabalin 150 mg capsule'),
      tab('483446', 200, 'pregabalin 200 mg capsule'),
      tab('577127', 225, 'pregabalin 225 mg capsule'),
      tab('483444', 300, 'pregabalin 300 mg capsule'),
      tab('1988980', 82.5, 'pregabalin 82.5 mg 24 HR ER tablet'),
      tab('1988974', 165, 'pregabalin 165 mg 24 HR ER tablet'),
      tab('1988977', 330, 'pregabalin 330 mg 24 HR ER tablet'),
    ],
  },
  // Opioids.
  {
    id: 'oxycodone',
    display: 'oxycodone',
    rxcuis: ['7804'],
    classes: ['opioid'],
    names: ['oxycodone', 'oxycontin', 'xtampza', 'targiniq'],
    products: [
      tab('1049621', 5, 'oxycodone 5 mg tablet'),
      tab('1049683', 10, 'oxycodone 10 mg tablet'),
      tab('1049611', 15, 'oxycodone 15 mg tablet'),
      tab('1049686', 20, 'oxycodone 20 mg tablet'),
      tab('1049618', 30, 'oxycodone 30 mg tablet'),
      soln('1049604', 1, 'oxycodone 1 mg/mL oral solution'),
      tab('1049543', 15, 'oxycodone 15 mg 12 HR ER tablet'),
      tab('1049574', 30, 'oxycodone 30 mg 12 HR ER tablet'),
      tab('1049593', 60, 'oxycodone 60 mg 12 HR ER tablet'),
      tab('1049502', 10, 'oxycodone 10 mg 12 HR ER tablet'),
      tab('1049563', 20, 'oxycodone 20 mg 12 HR ER tablet'),
      tab('1049584', 40, 'oxycodone 40 mg 12 HR ER tablet'),
      tab('1860157', 10, 'oxycodone 10 mg abuse-deterrent 12 HR ER tablet'),
      tab('1860154', 15, 'oxycodone 15 mg abuse-deterrent 12 HR ER tablet'),
      tab('1860129', 20, 'oxycodone 20 mg abuse-deterrent 12 HR ER tablet'),
      tab('1860151', 30, 'oxycodone 30 mg abuse-deterrent 12 HR ER tablet'),
      tab('1860137', 40, 'oxycodone 40 mg abuse-deterrent 12 HR ER tablet'),
      tab('1860127', 60, 'oxycodone 60 mg abuse-deterrent 12 HR ER tablet'),
      tab('1860148', 80, 'oxycodone 80 mg abuse-deterrent 12 HR ER tablet'),
      tab('1790527', 9, 'oxycodone 9 mg 12 HR ER capsule'),
      tab('1791558', 13.5, 'oxycodone 13.5 mg 12 HR ER capsule'),
      tab('1791567', 18, 'oxycodone 18 mg 12 HR ER capsule'),
      tab('1791574', 27, 'oxycodone 27 mg 12 HR ER capsule'),
      tab('1791580', 36, 'oxycodone 36 mg 12 HR ER capsule'),
      tab('1545910', 10, 'oxycodone 10 mg / naloxone 5 mg ER tablet'),
      tab('1545903', 20, 'oxycodone 20 mg / naloxone 10 mg ER tablet'),
      tab('1545907', 40, 'oxycodone 40 mg / naloxone 20 mg ER tablet'),
    ],
  },
  {
    id: 'methadone',
    display: 'methadone',
    rxcuis: ['6813'],
    classes: ['opioid'],
    names: ['methadone'],
    products: [
      tab('864718', 5, 'methadone 5 mg tablet'),
      tab('864706', 10, 'methadone 10 mg tablet'),
      soln('864761', 1, 'methadone 1 mg/mL oral solution'),
      soln('864769', 2, 'methadone 2 mg/mL oral solution'),
      soln('991147', 10, 'methadone 10 mg/mL oral concentrate'),
      tab('864978', 40, 'methadone 40 mg dispersible tablet'),
    ],
  },
  {
    id: 'buprenorphine',
    display: 'buprenorphine',
    rxcuis: ['1819', '352364'],
    classes: ['opioid'],
    names: ['buprenorphine'],
    products: [
      tab('351264', 2, 'buprenorphine 2 mg sublingual tablet'),
      tab('351265', 8, 'buprenorphine 8 mg sublingual tablet'),
      tab('351266', 2, 'buprenorphine 2 mg / naloxone 0.5 mg sublingual tablet'),
      tab('351267', 8, 'buprenorphine 8 mg / naloxone 2 mg sublingual tablet'),
      tab('1010600', 2, 'buprenorphine 2 mg / naloxone 0.5 mg sublingual film'),
      tab('1010604', 8, 'buprenorphine 8 mg / naloxone 2 mg sublingual film'),
    ],
  },
  {
    id: 'tramadol',
    display: 'tramadol',
    rxcuis: ['10689'],
    classes: ['opioid'],
    names: ['tramadol'],
    products: [
      tab('835603', 50, 'tramadol 50 mg tablet'),
      tab('2179635', 100, 'tramadol 100 mg tablet'),
      tab('833709', 100, 'tramadol 100 mg ER tablet'),
      tab('833711', 200, 'tramadol 200 mg ER tablet'),
      tab('833713', 300, 'tramadol 300 mg ER tablet'),
    ],
  },
  simple('morphine', '7052', ['opioid']),
  simple('hydrocodone', '5489', ['opioid']),
  simple('hydromorphone', '3423', ['opioid']),
  simple('oxymorphone', '7814', ['opioid']),
  simple('tapentadol', '787390', ['opioid']),
  simple('codeine', '2670', ['opioid']),
  simple('fentanyl', '4337', ['opioid']),
  // Benzodiazepines and other sedatives.
  {
    id: 'clonazepam',
    display: 'clonazepam',
    rxcuis: ['2598'],
    classes: ['benzodiazepine', 'avoid-in-rls'],
    names: ['clonazepam', 'klonopin'],
    products: [
      tab('197527', 0.5, 'clonazepam 0.5 mg tablet'),
      tab('197528', 1, 'clonazepam 1 mg tablet'),
      tab('197529', 2, 'clonazepam 2 mg tablet'),
    ],
  },
  simple('diazepam', '3322', ['benzodiazepine']),
  simple('lorazepam', '6470', ['benzodiazepine']),
  simple('temazepam', '10355', ['benzodiazepine']),
  simple('chlordiazepoxide', '2356', ['benzodiazepine']),
  simple('clorazepate', '2353', ['benzodiazepine']),
  simple('oxazepam', '7781', ['benzodiazepine']),
  simple('triazolam', '10767', ['benzodiazepine']),
  simple('estazolam', '4077', ['benzodiazepine']),
  simple('flurazepam', '4501', ['benzodiazepine']),
  simple('quazepam', '35185', ['benzodiazepine']),
  simple('clobazam', '21241', ['benzodiazepine']),
  simple('midazolam', '6960', ['benzodiazepine']),
  {
    // The alprazolam ingredient code is [U]; its SCDs are [V] in the CDC benzodiazepine value set.
    id: 'alprazolam',
    display: 'alprazolam',
    rxcuis: ['308047', '308048', '197321', '197322'],
    classes: ['benzodiazepine'],
    names: ['alprazolam'],
  },
  simple('zolpidem', '39993', ['sedative-hypnotic']),
  simple('eszopiclone', '461016', ['sedative-hypnotic']),
  // Drugs the AASM 2025 guideline recommends against in RLS.
  {
    id: 'bupropion',
    display: 'bupropion',
    rxcuis: ['42347', '993541', '993557', '993518'],
    classes: ['avoid-in-rls'],
    names: ['bupropion', 'wellbutrin', 'zyban'],
  },
  simple('carbamazepine', '2002', ['avoid-in-rls'], ['carbamazepine', 'tegretol']),
  {
    // Ingredient-level rules match valproate IN 40254; the PINs are CPIC's ids.
    id: 'valproate',
    display: 'valproate',
    rxcuis: ['40254', '11118', '266856'],
    classes: ['avoid-in-rls'],
    names: ['divalproex', 'valproic acid', 'valproate', 'depakote'],
  },
  // Exacerbating factors: antidepressants.
  simple('fluoxetine', '4493', ['antidepressant']),
  simple('sertraline', '36437', ['antidepressant']),
  simple('paroxetine', '32937', ['antidepressant']),
  simple('escitalopram', '321988', ['antidepressant']),
  simple('citalopram', '2556', ['antidepressant']),
  simple('fluvoxamine', '42355', ['antidepressant']),
  simple('desvenlafaxine', '734064', ['antidepressant']),
  simple('venlafaxine', '39786', ['antidepressant']),
  simple('duloxetine', '72625', ['antidepressant']),
  simple('levomilnacipran', '1433212', ['antidepressant']),
  simple('milnacipran', '588250', ['antidepressant']),
  simple('mirtazapine', '15996', ['antidepressant']),
  simple('amitriptyline', '704', ['antidepressant']),
  simple('nortriptyline', '7531', ['antidepressant']),
  simple('imipramine', '5691', ['antidepressant']),
  simple('desipramine', '3247', ['antidepressant']),
  simple('doxepin', '3638', ['antidepressant']),
  simple('clomipramine', '2597', ['antidepressant']),
  simple('trimipramine', '10834', ['antidepressant']),
  simple('protriptyline', '8886', ['antidepressant']),
  // Sedating antihistamines.
  simple(
    'diphenhydramine',
    '3498',
    ['sedating-antihistamine'],
    ['diphenhydramine', 'benadryl', 'zzzquil', 'tylenol pm', 'advil pm', 'sominex', 'nytol'],
  ),
  simple('hydroxyzine', '5553', ['sedating-antihistamine'], ['hydroxyzine', 'atarax', 'vistaril']),
  // Unisom is sold as doxylamine (SleepTabs) and as diphenhydramine (SleepGels): both are sedating antihistamines.
  simple('doxylamine', '3642', ['sedating-antihistamine'], ['doxylamine', 'unisom']),
  simple('chlorpheniramine', '2400', ['sedating-antihistamine']),
  simple(
    'promethazine',
    '8745',
    ['sedating-antihistamine', 'dopamine-antagonist'],
    ['promethazine', 'phenergan'],
  ),
  simple('meclizine', '6676', ['sedating-antihistamine'], ['meclizine', 'antivert']),
  simple('cyproheptadine', '3013', ['sedating-antihistamine']),
  simple('dimenhydrinate', '3444', ['sedating-antihistamine']),
  // Dopamine antagonists: antiemetics and antipsychotics.
  simple('metoclopramide', '6915', ['dopamine-antagonist'], ['metoclopramide', 'reglan']),
  simple('prochlorperazine', '8704', ['dopamine-antagonist'], ['prochlorperazine', 'compazine']),
  simple('trimethobenzamide', '38685', ['dopamine-antagonist']),
  simple('droperidol', '3648', ['dopamine-antagonist']),
  simple('haloperidol', '5093', ['dopamine-antagonist'], ['haloperidol', 'haldol']),
  simple('chlorpromazine', '2403', ['dopamine-antagonist']),
  simple('perphenazine', '8076', ['dopamine-antagonist']),
  simple('fluphenazine', '4496', ['dopamine-antagonist']),
  simple('thioridazine', '10502', ['dopamine-antagonist']),
  simple('pimozide', '8331', ['dopamine-antagonist']),
  simple('olanzapine', '61381', ['dopamine-antagonist']),
  simple('quetiapine', '51272', ['dopamine-antagonist']),
  simple('paliperidone', '679314', ['dopamine-antagonist']),
  simple('risperidone', '35636', ['dopamine-antagonist']),
  simple('ziprasidone', '115698', ['dopamine-antagonist']),
  simple('lurasidone', '1040028', ['dopamine-antagonist']),
  simple('iloperidone', '73178', ['dopamine-antagonist']),
  simple('brexpiprazole', '1658314', ['dopamine-antagonist']),
  simple('aripiprazole', '89013', ['dopamine-antagonist']),
  simple('cariprazine', '1667655', ['dopamine-antagonist']),
  simple('clozapine', '2626', ['dopamine-antagonist']),
  simple('pimavanserin', '1791685', ['dopamine-antagonist']),
  // Iron.
  {
    id: 'ferric-carboxymaltose',
    display: 'ferric carboxymaltose',
    rxcuis: ['1433693'],
    classes: ['iron-iv'],
    names: ['ferric carboxymaltose'],
    products: [
      tab('2602296', 100, 'ferric carboxymaltose 100 mg/2 mL injection'),
      tab('1435169', 750, 'ferric carboxymaltose 750 mg/15 mL injection'),
      tab('2552400', 1000, 'ferric carboxymaltose 1000 mg/20 mL injection'),
    ],
  },
  {
    id: 'iron-sucrose',
    display: 'iron sucrose',
    rxcuis: ['24909'],
    classes: ['iron-iv'],
    names: ['iron sucrose'],
    products: [
      tab('1741270', 50, 'iron sucrose 50 mg/2.5 mL injection'),
      tab('1741267', 100, 'iron sucrose 100 mg/5 mL injection'),
      tab('1741261', 200, 'iron sucrose 200 mg/10 mL injection'),
    ],
  },
  simple('ferumoxytol', '473387', ['iron-iv']),
  simple('ferric-derisomaltose', '2274394', ['iron-iv'], ['ferric derisomaltose']),
  simple('iron-dextran', '5992', ['iron-iv'], ['iron dextran']),
  simple('sodium-ferric-gluconate', '261435', ['iron-iv'], ['sodium ferric gluconate']),
  {
    id: 'ferrous-sulfate',
    display: 'ferrous sulfate',
    rxcuis: ['24947'],
    classes: ['iron-oral'],
    names: ['ferrous sulfate'],
    products: [
      tab('310325', 325, 'ferrous sulfate 325 mg tablet'),
      tab('310324', 325, 'ferrous sulfate 325 mg DR tablet'),
    ],
  },
  simple('ferrous-gluconate', '24942', ['iron-oral'], ['ferrous gluconate']),
  simple('ferrous-fumarate', '24941', ['iron-oral'], ['ferrous fumarate']),
  // Supportive care.
  {
    id: 'docusate-sennosides',
    display: 'docusate / sennosides',
    rxcuis: ['1008340'],
    classes: ['laxative'],
    names: ['docusate / sennosides', 'docusate and sennosides'],
    // Strength is the docusate component.
    products: [tab('998740', 50, 'docusate sodium 50 mg / sennosides 8.6 mg tablet')],
  },
  {
    id: 'docusate',
    display: 'docusate',
    rxcuis: ['82003', '71722', '1115005'],
    classes: ['laxative'],
    names: ['docusate'],
  },
  {
    id: 'sennosides',
    display: 'sennosides',
    rxcuis: ['36387', '312935'],
    classes: ['laxative'],
    names: ['senna'],
  },
  {
    id: 'polyethylene-glycol',
    display: 'polyethylene glycol 3350',
    rxcuis: ['221147', '876193'],
    classes: ['laxative'],
    names: ['polyethylene glycol'],
  },
  simple('clonidine', '2599', ['alpha2-agonist']),
  simple('ascorbic-acid', '1151', ['vitamin-c'], ['ascorbic acid', 'vitamin c']),
];

/**
 * The clinical drugs that card suggestions order (each must be a product of
 * the catalog above; `product()` checks it at first use).
 */
export const SUGGESTED_PRODUCTS = {
  /** ferric carboxymaltose 750 mg/15 mL injection */
  ferricCarboxymaltose750: '1435169',
  /** iron sucrose 100 mg/5 mL injection */
  ironSucrose100: '1741267',
  /** gabapentin 300 mg capsule */
  gabapentin300: '310431',
  /** gabapentin 100 mg capsule (ESRD dose) */
  gabapentin100: '310430',
  /** oxycodone 10 mg abuse-deterrent 12 HR ER tablet */
  oxycodoneEr10: '1860157',
  /** methadone 5 mg tablet */
  methadone5: '864718',
  /** docusate 50 mg / sennosides 8.6 mg tablet */
  docusateSenna: '998740',
} as const;

/** Which ingredient a given RxNorm code denotes, and the product when the code is an SCD. */
export interface RxMatch {
  readonly ingredient: Ingredient;
  readonly product?: Product;
}

const byRxcui = new Map<string, RxMatch>();
for (const ingredient of INGREDIENTS) {
  for (const rxcui of ingredient.rxcuis) byRxcui.set(rxcui, { ingredient });
  for (const product of ingredient.products ?? []) byRxcui.set(product.rxcui, { ingredient, product });
}

/** Looks up an RxNorm code (IN, PIN, MIN or SCD). */
export function lookupRxcui(system: string | undefined, code: string | undefined): RxMatch | undefined {
  if (system !== SYSTEM.rxnorm || !code) return undefined;
  return byRxcui.get(code.trim());
}

const textIndex: readonly { name: string; ingredient: Ingredient }[] = INGREDIENTS.flatMap((ingredient) =>
  ingredient.names.map((name) => ({ name, ingredient })),
);

/**
 * Matches free text (a CodeableConcept's text or a coding display) to an
 * ingredient by whole-word name. Used only when no code matched; the caller
 * must report that the match came from text.
 */
export function lookupText(text: string | undefined): Ingredient | undefined {
  if (typeof text !== 'string' || !text) return undefined;
  // Only the first MAX_PARSED_TEXT characters are read: a drug name is never further in.
  text = text.slice(0, MAX_PARSED_TEXT);
  const cacheable = text.length <= TEXT_CACHE_MAX_CHARS;
  if (cacheable) {
    const known = textMatches.get(text);
    if (known !== undefined) return known.ingredient;
  }
  const found = matchText(text.toLowerCase());
  if (cacheable) textMatches.set(text, { ingredient: found });
  return found;
}

function matchText(lower: string): Ingredient | undefined {
  for (const { name, ingredient } of textIndex) {
    const at = lower.indexOf(name);
    if (at < 0) continue;
    const before = at === 0 ? ' ' : lower.charAt(at - 1);
    const after = lower.charAt(at + name.length) || ' ';
    if (!/[a-z]/.test(before) && !/[a-z]/.test(after)) return ingredient;
  }
  return undefined;
}

/** Texts longer than this are matched every time, never remembered. */
const TEXT_CACHE_MAX_CHARS = 200;

/**
 * Texts already matched (the same product texts recur in every renewal and
 * every call): a bounded memo of a pure function, least recently used dropped first.
 */
const textMatches = new LRUCache<string, { readonly ingredient: Ingredient | undefined }>({ max: 5000 });

/** The ingredient record for an id; throws on a typo so that a misspelled id fails at start-up. */
export function ingredient(id: string): Ingredient {
  const found = INGREDIENTS.find((i) => i.id === id);
  if (!found) throw new Error(`unknown ingredient id: ${id}`);
  return found;
}

/** The product record for an SCD code; throws when the catalog lacks it. */
export function product(rxcui: string): Product {
  const match = byRxcui.get(rxcui);
  if (!match?.product) throw new Error(`unknown product rxcui: ${rxcui}`);
  return match.product;
}
