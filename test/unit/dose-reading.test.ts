import type { Dosage, MedicationRequest } from 'fhir/r4.js';
import {
  dailyDose,
  sigDose,
  sigFrequency,
  sigSplitDose,
  sigTimes,
  strengthFromText,
} from '../../src/clinical/dose.js';
import { MAX_PARSED_TEXT } from '../../src/knowledge/drug-catalog.js';
import { fromMedicationRequest } from '../../src/clinical/medications.js';
import { lookupText } from '../../src/knowledge/drug-catalog.js';
import { SYSTEM } from '../../src/knowledge/terminology.js';

const RX = SYSTEM.rxnorm;

function order(extra: Partial<MedicationRequest>): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: 'o1',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    ...extra,
  };
}

function doseOf(mr: MedicationRequest) {
  const fact = fromMedicationRequest(mr, () => undefined);
  if (!fact) throw new Error('expected the order to be recognised');
  return fact.dose;
}

const qhs: Dosage['timing'] = { code: { coding: [{ system: SYSTEM.timingAbbreviation, code: 'QHS' }] } };

describe('step 1: a structured dose', () => {
  test('a pramipexole dose written as {value: 1, code: "{pill}"} of the 0.5 mg product (RxNorm 859044) is 0.5 mg', () => {
    const dose = doseOf(
      order({
        medicationCodeableConcept: { coding: [{ system: RX, code: '859044' }] },
        dosageInstruction: [
          { timing: qhs, doseAndRate: [{ doseQuantity: { value: 1, unit: 'pill', code: '{pill}' } }] },
        ],
      }),
    );
    expect(dose).toEqual({
      known: true,
      mgPerDay: 0.5,
      how: '1 × 0.5 mg (RxNorm 859044), QHS',
      method: 'structured',
    });
  });

  test.each([
    ['mg/(24.h)', 3],
    ['mg/d', 3],
    ['mg/24h', 3],
    ['mg/24 hr', 3],
    ['MG/24HR', 3],
  ])('rotigotine 3 %s is 3 mg/day, whatever the timing', (unit, expected) => {
    const dose = doseOf(
      order({
        medicationCodeableConcept: { coding: [{ system: RX, code: '616739' }], text: 'rotigotine patch' },
        dosageInstruction: [
          {
            timing: { code: { coding: [{ code: 'QD' }] } },
            doseAndRate: [{ doseQuantity: { value: 3, unit, code: unit } }],
          },
        ],
      }),
    );
    expect(dose.known && dose.mgPerDay).toBe(expected);
  });

  test('a patch rate of 0.0833 mg/h is the 2 mg/24 h patch', () => {
    const dose = doseOf(
      order({
        medicationCodeableConcept: { text: 'Neupro transdermal system' },
        dosageInstruction: [{ doseAndRate: [{ doseQuantity: { value: 0.0833, unit: 'mg/h' } }] }],
      }),
    );
    expect(dose.known && dose.mgPerDay).toBe(2);
  });

  test('250 µg at bedtime is 0.25 mg/day', () => {
    expect(
      dailyDose([{ timing: qhs, doseAndRate: [{ doseQuantity: { value: 250, unit: 'µg' } }] }], undefined),
    ).toMatchObject({
      known: true,
      mgPerDay: 0.25,
    });
  });

  test('a structured dose with no structured timing takes the frequency from the sig ("at bedtime")', () => {
    const d = dailyDose(
      [{ text: '0.25 mg at bedtime', doseAndRate: [{ doseQuantity: { value: 0.25, unit: 'mg' } }] }],
      undefined,
    );
    expect(d).toMatchObject({ known: true, mgPerDay: 0.25, method: 'structured' });
  });
});

describe('step 2: product strength times the count and frequency in the sig text', () => {
  test('a text-only "Mirapex 0.5 mg tablet, one tablet at bedtime" is read as 0.5 mg/day pramipexole', () => {
    const mr = order({
      medicationCodeableConcept: { text: 'Mirapex 0.5 mg tablet' },
      dosageInstruction: [{ text: 'one tablet at bedtime' }],
    });
    const fact = fromMedicationRequest(mr, () => undefined);
    expect(fact?.ingredient.id).toBe('pramipexole');
    expect(fact?.matchedByText).toBe(true);
    expect(fact?.dose).toMatchObject({ known: true, mgPerDay: 0.5, method: 'product-and-sig' });
  });

  test('gabapentin 300 mg capsule (RxNorm 310431), "1 capsule three times a day", is 900 mg/day', () => {
    const dose = doseOf(
      order({
        medicationCodeableConcept: { coding: [{ system: RX, code: '310431' }] },
        dosageInstruction: [{ text: 'Take 1 capsule by mouth three times a day' }],
      }),
    );
    expect(dose).toMatchObject({ known: true, mgPerDay: 900, method: 'product-and-sig' });
  });

  test('"2 tabs PO BID" of ropinirole 1 mg is 4 mg/day', () => {
    const dose = doseOf(
      order({
        medicationCodeableConcept: { coding: [{ system: RX, code: '314208' }] },
        dosageInstruction: [{ text: '2 tabs PO BID' }],
      }),
    );
    expect(dose).toMatchObject({ known: true, mgPerDay: 4 });
  });

  test('"Sinemet 25/100, one tablet at bedtime" is 100 mg/day of levodopa', () => {
    const dose = doseOf(
      order({
        medicationCodeableConcept: { text: 'Sinemet 25/100 tablet' },
        dosageInstruction: [{ text: 'one tablet at bedtime' }],
      }),
    );
    expect(dose).toMatchObject({ known: true, mgPerDay: 100 });
  });

  test('a Neupro 0.0417 MG/HR product with "apply 1 patch daily" is 1 mg/24 h', () => {
    const dose = doseOf(
      order({
        medicationCodeableConcept: { text: 'rotigotine 0.0417 MG/HR Transdermal System (Neupro)' },
        dosageInstruction: [{ text: 'apply 1 patch daily' }],
      }),
    );
    expect(dose).toMatchObject({ known: true, mgPerDay: 1 });
  });

  test('"1 tablet at 5 pm" is once a day, at 17:00', () => {
    expect(sigFrequency('1 tablet at 5 pm')).toEqual({ perDay: 1, how: 'at 17:00' });
    expect(sigTimes('take 1 tablet at 5 PM')).toEqual(['17:00']);
  });

  test('"one tablet at 5 pm and one at bedtime" counts two administrations', () => {
    expect(sigFrequency('one tablet at 5 pm and one at bedtime')).toMatchObject({ perDay: 2 });
  });

  test('a sig with a mass and no count ("0.25 mg nightly") gives the mass per administration', () => {
    expect(sigDose('0.25 mg nightly')).toEqual({ mg: 0.25 });
  });

  test('a sig with two different counts is not guessed', () => {
    expect(sigDose('1 tablet in the morning and 2 tablets at bedtime')).toEqual({
      reason: 'the sig text names more than one dose',
    });
  });

  test('a sig that says only "as needed" has no frequency', () => {
    expect(sigFrequency('1 tablet as needed')).toEqual({ reason: 'as needed, with no frequency in the sig' });
  });
});

describe('a strength in text is never read from part of a longer number', () => {
  test('"pramipexole .25 mg tablet" is 0.25 mg, not 25 mg', () => {
    expect(strengthFromText('pramipexole .25 mg tablet')).toEqual({ mg: 0.25, basis: 'unit' });
  });

  test('"gabapentin 123456 mg" is not read as 23456 mg (no strength at all)', () => {
    expect(strengthFromText('gabapentin 123456 mg capsule')).toBeUndefined();
  });

  test('"gabapentin 1,000 mg" is not read as 0 mg (no strength at all)', () => {
    expect(strengthFromText('gabapentin 1,000 mg tablet')).toBeUndefined();
  });

  test('a text-only "Mirapex .5 mg tablet, one tablet at bedtime" is 0.5 mg/day, not 5 mg/day', () => {
    const fact = fromMedicationRequest(
      order({
        medicationCodeableConcept: { text: 'Mirapex .5 mg tablet' },
        dosageInstruction: [{ text: 'one tablet at bedtime' }],
      }),
      () => undefined,
    );
    expect(fact?.dose).toMatchObject({ known: true, mgPerDay: 0.5 });
  });
});

describe('step 2: a sig that splits the day in different amounts at different times', () => {
  const gabapentin300 = { coding: [{ system: RX, code: '310431' }] };
  const gabapentinByText = { text: 'gabapentin capsule' };
  const pramipexole025 = { coding: [{ system: RX, code: '859040' }] };
  const sig = (
    medication: MedicationRequest['medicationCodeableConcept'],
    text: string,
    timing?: Dosage['timing'],
  ) =>
    doseOf(
      order({
        medicationCodeableConcept: medication,
        dosageInstruction: [{ text, ...(timing ? { timing } : {}) }],
      }),
    );

  const reasonOf = (dose: ReturnType<typeof doseOf>): string => (dose.known ? 'read' : dose.reason);

  test('gabapentin "300 mg in the morning and 600 mg at bedtime" is 900 mg/day, and the card says how', () => {
    expect(sig(gabapentin300, '300 mg in the morning and 600 mg at bedtime')).toEqual({
      known: true,
      mgPerDay: 900,
      method: 'product-and-sig',
      how: 'read from the sig text: 300 mg morning + 600 mg bedtime = 900 mg/day (sig "300 mg in the morning and 600 mg at bedtime")',
    });
  });

  test('gabapentin 300 mg capsules, "1 tablet in the morning and 2 tablets at bedtime", is 900 mg/day (counts × strength)', () => {
    const dose = sig(gabapentin300, '1 tablet in the morning and 2 tablets at bedtime');
    expect(dose).toMatchObject({ known: true, mgPerDay: 900, method: 'product-and-sig' });
    expect(dose.known && dose.how).toContain('1 × 300 mg morning + 2 × 300 mg bedtime = 900 mg/day');
  });

  test('"take 1 tab qam and 2 tabs qhs" of gabapentin 300 mg is 900 mg/day', () => {
    expect(sig(gabapentin300, 'take 1 tab qam and 2 tabs qhs')).toMatchObject({ known: true, mgPerDay: 900 });
  });

  test('pramipexole "0.125 mg at 5 pm and 0.25 mg at bedtime" is 0.375 mg/day', () => {
    const dose = sig(pramipexole025, '0.125 mg at 5 pm and 0.25 mg at bedtime');
    expect(dose).toMatchObject({ known: true, mgPerDay: 0.375 });
    expect(dose.known && dose.how).toContain('0.125 mg at 17:00 + 0.25 mg bedtime = 0.375 mg/day');
  });

  test('the time may come first: "in the morning take 300 mg, at bedtime 600 mg" is 900 mg/day', () => {
    expect(sig(gabapentinByText, 'in the morning take 300 mg, at bedtime 600 mg')).toMatchObject({
      known: true,
      mgPerDay: 900,
    });
  });

  test('an EHR sig that restates each count in mg ("1 capsule (300 mg total) ... and 2 capsules (600 mg total) ...") is 900 mg/day', () => {
    const text = 'Take 1 capsule (300 mg total) by mouth every morning and 2 capsules (600 mg total) nightly';
    expect(sig(gabapentin300, text)).toMatchObject({ known: true, mgPerDay: 900 });
    // With no strength known, the stated mg are used.
    expect(sig(gabapentinByText, text)).toMatchObject({ known: true, mgPerDay: 900 });
  });

  test('a count that contradicts its stated mg is not guessed', () => {
    expect(
      reasonOf(
        sig(
          gabapentin300,
          'Take 1 capsule (400 mg total) every morning and 2 capsules (600 mg total) nightly',
        ),
      ),
    ).toContain('is not the 400 mg the sig states');
  });

  test('a count and a mass at different times are summed when the strength is known: "1 tab in the morning and 600 mg at bedtime" of 300 mg is 900 mg/day', () => {
    expect(sig(gabapentin300, '1 tab in the morning and 600 mg at bedtime')).toMatchObject({
      known: true,
      mgPerDay: 900,
    });
  });

  test('a count and a mass with no known strength stay unknown', () => {
    expect(reasonOf(sig(gabapentinByText, '1 tab in the morning and 600 mg at bedtime'))).toContain(
      'strength per tablet is unknown',
    );
  });

  test('a frequency word on top of the times ("300 mg in the morning and 600 mg at bedtime twice daily") stays unknown', () => {
    expect(sig(gabapentin300, '300 mg in the morning and 600 mg at bedtime twice daily')).toEqual({
      known: false,
      reason:
        'the sig text names more than one dose: the sig gives several amounts and a frequency besides the times of day',
    });
    expect(sig(gabapentin300, '300 mg daily in the morning and 600 mg at bedtime')).toMatchObject({
      known: false,
    });
  });

  test('"as needed" with several amounts stays unknown', () => {
    expect(reasonOf(sig(gabapentin300, '300 mg in the morning and 600 mg at bedtime as needed'))).toContain(
      'as needed',
    );
  });

  test('amounts without their times stay unknown ("300 mg or 600 mg at bedtime", "300 mg and 600 mg")', () => {
    expect(reasonOf(sig(gabapentin300, '300 mg and 600 mg at bedtime'))).toContain(
      'one time of day for each amount',
    );
    expect(sig(gabapentin300, 'take 300 mg and 600 mg')).toMatchObject({ known: false });
    expect(sig(gabapentin300, '300 mg in the morning, 600 mg')).toMatchObject({ known: false });
  });

  test('a range ("1-2 tablets in the morning and 3 tablets at bedtime") stays unknown', () => {
    expect(reasonOf(sig(gabapentin300, '1-2 tablets in the morning and 3 tablets at bedtime'))).toContain(
      'range',
    );
    expect(sig(gabapentin300, 'one or two tablets in the morning and 3 tablets at bedtime')).toMatchObject({
      known: false,
    });
  });

  test('a time of day said twice ("300 mg at bedtime and 600 mg at night") stays unknown', () => {
    expect(reasonOf(sig(gabapentin300, '300 mg at bedtime and 600 mg at night'))).toContain(
      '"bedtime" more than once',
    );
  });

  test('a titration over days ("300 mg at bedtime for 3 days then 300 mg in the morning and 600 mg at bedtime") stays unknown', () => {
    expect(
      reasonOf(
        sig(gabapentin300, '300 mg at bedtime for 3 days then 300 mg in the morning and 600 mg at bedtime'),
      ),
    ).toContain('schedule of days');
  });

  test('structured timing that disagrees with the number of times in the sig stays unknown; one that agrees is read', () => {
    const tid: Dosage['timing'] = { code: { coding: [{ system: SYSTEM.timingAbbreviation, code: 'TID' }] } };
    const bid: Dosage['timing'] = { code: { coding: [{ system: SYSTEM.timingAbbreviation, code: 'BID' }] } };
    expect(reasonOf(sig(gabapentin300, '300 mg in the morning and 600 mg at bedtime', tid))).toContain(
      'does not match',
    );
    expect(sig(gabapentin300, '300 mg in the morning and 600 mg at bedtime', bid)).toMatchObject({
      known: true,
      mgPerDay: 900,
    });
  });

  test('a product name in the sig with one count at two times is still read as before ("1 capsule of gabapentin 300 mg in the morning and at bedtime" is 600 mg/day)', () => {
    expect(
      sig(gabapentin300, 'Take 1 capsule of gabapentin 300 mg in the morning and at bedtime'),
    ).toMatchObject({ known: true, mgPerDay: 600 });
  });

  test('sigSplitDose names each amount with its one time of day', () => {
    expect(sigSplitDose('1 tab qam and 2 tabs qhs')).toEqual({
      parts: [
        { amount: { count: 1 }, slot: 'morning' },
        { amount: { count: 2 }, slot: 'bedtime' },
      ],
    });
  });
});

describe('step 3: otherwise unknown, with the reason', () => {
  test('"take as directed" with a tablet product is an unknown dose', () => {
    const dose = doseOf(
      order({
        medicationCodeableConcept: { coding: [{ system: RX, code: '859044' }] },
        dosageInstruction: [{ text: 'take as directed' }],
      }),
    );
    expect(dose).toEqual({ known: false, reason: 'no dose in the sig text' });
  });

  test('a tablet count in the sig with no strength anywhere is unknown', () => {
    const dose = doseOf(
      order({
        medicationCodeableConcept: { text: 'Requip' },
        dosageInstruction: [{ text: 'one tablet at bedtime' }],
      }),
    );
    expect(dose).toEqual({
      known: false,
      reason: 'the sig counts tablets but the strength per tablet is unknown',
    });
  });
});

describe('texts are bounded before they are parsed', () => {
  test(`only the first ${MAX_PARSED_TEXT} characters of a sig are read`, () => {
    const sig = `${'x'.repeat(MAX_PARSED_TEXT)} one tablet at bedtime`;
    expect(sigDose(sig)).toEqual({ reason: 'no dose in the sig text' });
  });

  test('a drug name beyond the first 500 characters of a text is not recognised', () => {
    expect(lookupText(`${'a '.repeat(300)}pramipexole`)).toBeUndefined();
    expect(lookupText('pramipexole')?.id).toBe('pramipexole');
  });

  test('hostile sig and product texts of 1 MB are read in well under a second', () => {
    const hostile = [
      '1'.repeat(1_000_000),
      '1 '.repeat(500_000),
      '0.'.repeat(500_000),
      'mg/'.repeat(300_000),
      '12:'.repeat(300_000),
      'every '.repeat(200_000),
      '1 tab qam and 2 tabs qhs '.repeat(40_000),
      '1 (one) '.repeat(125_000),
      '1-'.repeat(500_000),
    ];
    const started = process.hrtime.bigint();
    for (const text of hostile) {
      sigDose(text);
      sigFrequency(text);
      sigSplitDose(text);
      dailyDose([{ text }], { mg: 300, basis: 'unit', from: 'RxNorm 310431' });
      strengthFromText(text);
      strengthFromText(text, 'levodopa');
      lookupText(text);
    }
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);
  });
});

describe('brand and OTC names in text', () => {
  test.each([
    ['Mirapex 0.25 mg', 'pramipexole'],
    ['Requip XL', 'ropinirole'],
    ['Neupro patch', 'rotigotine'],
    ['Sinemet CR', 'levodopa'],
    ['Rytary 23.75-95 mg capsule', 'levodopa'],
    ['Horizant 600 mg', 'gabapentin-enacarbil'],
    ['Lyrica 75 mg', 'pregabalin'],
    ['Neurontin', 'gabapentin'],
    ['Dostinex', 'cabergoline'],
    ['Wellbutrin XL', 'bupropion'],
    ['Zyban', 'bupropion'],
    ['Tegretol', 'carbamazepine'],
    ['Depakote ER', 'valproate'],
    ['Klonopin', 'clonazepam'],
    ['Benadryl 25 mg capsule', 'diphenhydramine'],
    ['ZzzQuil LiquiCaps', 'diphenhydramine'],
    ['Tylenol PM extra strength', 'diphenhydramine'],
    ['Unisom SleepTabs', 'doxylamine'],
    ['Reglan 10 mg', 'metoclopramide'],
    ['Compazine 10 mg', 'prochlorperazine'],
    ['Phenergan 25 mg', 'promethazine'],
    ['Antivert', 'meclizine'],
    ['Vistaril', 'hydroxyzine'],
    ['Haldol', 'haloperidol'],
  ])('"%s" is recognised as %s', (text, id) => {
    expect(lookupText(text)?.id).toBe(id);
  });

  test('a brand inside a longer word is not a match ("Reglanx")', () => {
    expect(lookupText('Reglanx')).toBeUndefined();
  });
});
