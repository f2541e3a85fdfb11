// FHIR search pieces as pure functions: stable Slot ids, references, date prefixes and paging links.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pageOf, searchBundle } from '../../src/modules/fhir/bundle.js';
import { parseSlotId, referencedId, slotId } from '../../src/modules/fhir/mapping/common.js';
import { checkParams, dateBound, dateRange, pageRequest, withinBounds } from '../../src/modules/fhir/search.js';

const DOC = '0123456789abcdef01234567';

describe('FHIR search helpers', () => {
  it('gives a Slot an id that names the doctor and the start, and reads it back', () => {
    const start = new Date('2026-01-05T04:30:00Z');
    assert.equal(slotId(DOC, start), `${DOC}-20260105T0430Z`);
    assert.deepEqual(parseSlotId(slotId(DOC, start)), { doctorId: DOC, startsAt: start });
    for (const bad of [`${DOC}-20260230T0430Z`, `${DOC}-20260105T2460Z`, `${DOC}-20260105T0430`, 'x-20260105T0430Z', `${DOC.toUpperCase()}-20260105T0430Z`]) {
      assert.equal(parseSlotId(bad), null, bad);
    }
  });

  it('reads references as Type/id, a bare id or an absolute URL, of the expected type only', () => {
    assert.equal(referencedId(`Patient/${DOC}`, 'Patient'), DOC);
    assert.equal(referencedId(DOC, 'Patient'), DOC);
    assert.equal(referencedId(`https://x.test/fhir/R4/Schedule/${DOC}`, 'Schedule'), DOC);
    assert.equal(referencedId(`Practitioner/${DOC}`, 'Patient'), null);
    assert.equal(referencedId('Patient/a b', 'Patient'), null);
  });

  it('compares dates and instants with eq, ge, gt, le and lt', () => {
    const at = new Date('2026-01-05T04:30:00Z');
    assert.ok(withinBounds([dateBound('start', 'ge2026-01-05'), dateBound('start', 'le2026-01-05')], '2026-01-05', at));
    assert.ok(!withinBounds([dateBound('start', 'gt2026-01-05')], '2026-01-05', at));
    assert.ok(withinBounds([dateBound('start', '2026-01-05T04:30:00Z')], '2026-01-05', at));
    assert.ok(!withinBounds([dateBound('start', 'lt2026-01-05T04:30:00Z')], '2026-01-05', at));
    assert.deepEqual(dateRange([dateBound('date', 'gt2026-01-05'), dateBound('date', 'lt2026-01-10')]), { from: '2026-01-06', to: '2026-01-09' });
    assert.throws(() => dateBound('start', 'ge2026-13-01'), /start must be a date/);
    assert.throws(() => dateRange([dateBound('date', 'ge2026-01-05T10:00:00Z')]), /date takes dates/);
  });

  it('refuses unknown parameters and out-of-range paging; links pages with absolute URLs', () => {
    assert.throws(() => checkParams({ colour: 'blue' }, ['name']), /Unknown search parameter colour/);
    assert.throws(() => pageRequest({ _count: '101' }), /_count must be a whole number from 1 to 100/);
    assert.deepEqual(pageRequest({}), { count: 20, page: 1 });
    const params = checkParams({ name: 'a', _count: '2', _page: '2' }, ['name']);
    const items = [1, 2, 3, 4, 5].map((n) => ({ resourceType: 'Practitioner' as const, id: `p${n}` }));
    const bundle = searchBundle('https://api.test/fhir/R4', 'Practitioner', params, { count: 2, page: 2 }, pageOf(items, { count: 2, page: 2 }));
    assert.equal(bundle.total, 5);
    assert.deepEqual(bundle.entry!.map((e) => e.resource!.id), ['p3', 'p4']);
    assert.deepEqual(Object.fromEntries(bundle.link!.map((l) => [l.relation, l.url])), {
      self: 'https://api.test/fhir/R4/Practitioner?name=a&_count=2&_page=2',
      next: 'https://api.test/fhir/R4/Practitioner?name=a&_count=2&_page=3',
      previous: 'https://api.test/fhir/R4/Practitioner?name=a&_count=2&_page=1',
    });
  });
});
