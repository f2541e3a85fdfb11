import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addDays, canonicalTimeZone, formatSlotTime, legacyDateKey, parseInstant, parseSlotDate, parseSlotTime, wallClock, zonedInstant } from '../../src/lib/time.js';

describe('slot formats', () => {
  it('parses ISO and legacy dates, refusing impossible ones', () => {
    assert.equal(parseSlotDate('2024-12-25'), '2024-12-25');
    assert.equal(parseSlotDate('5_1_2025'), '2025-01-05');
    assert.equal(parseSlotDate('25_12_2024'), '2024-12-25');
    assert.equal(parseSlotDate('2024-02-30'), null);
    assert.equal(parseSlotDate('2023-02-29'), null);
    assert.equal(parseSlotDate('2024-02-29'), '2024-02-29');
    assert.equal(parseSlotDate('32_1_2025'), null);
    assert.equal(parseSlotDate('tomorrow'), null);
    // years the database and date arithmetic handle: 1970–2100
    assert.equal(parseSlotDate('2100-12-31'), '2100-12-31');
    for (const far of ['9999-12-31', '31_12_9999', '2101-01-01', '1969-12-31']) assert.equal(parseSlotDate(far), null, far);
    assert.equal(legacyDateKey('2025-01-05'), '5_1_2025');
  });

  it('parses 12-hour, lower-case, with seconds, and 24-hour times', () => {
    assert.equal(parseSlotTime('10:30 AM'), 630);
    assert.equal(parseSlotTime('10:30 am'), 630);
    assert.equal(parseSlotTime('10:30:00 AM'), 630);
    assert.equal(parseSlotTime('12:00 PM'), 720);
    assert.equal(parseSlotTime('12:00 AM'), 0);
    assert.equal(parseSlotTime('02:30 PM'), 870);
    assert.equal(parseSlotTime('2:30 p.m.'), 870);
    assert.equal(parseSlotTime('10:30\u202fAM'), 630);
    assert.equal(parseSlotTime('14:30'), 870);
    assert.equal(parseSlotTime('00:00'), 0);
    for (const bad of ['13:00 PM', '24:00', '10:60', '10:30:15 AM', 'noon', '']) assert.equal(parseSlotTime(bad), null, bad);
  });

  it('formats as zero-padded hh:mm AM', () => {
    assert.equal(formatSlotTime(630), '10:30 AM');
    assert.equal(formatSlotTime(870), '02:30 PM');
    assert.equal(formatSlotTime(0), '12:00 AM');
    assert.equal(formatSlotTime(720), '12:00 PM');
  });
});

describe('time zones', () => {
  it('converts wall-clock to instants in a fixed-offset zone', () => {
    assert.equal(zonedInstant('2025-01-06', 600, 'Asia/Kolkata')!.toISOString(), '2025-01-06T04:30:00.000Z');
    assert.deepEqual(wallClock(new Date('2025-01-06T04:30:00Z'), 'Asia/Kolkata'), { date: '2025-01-06', weekday: 1, minutes: 600 });
  });

  it('skips wall-clock times that do not exist when clocks spring forward', () => {
    // America/New_York, 2025-03-09: 02:00 → 03:00
    assert.equal(zonedInstant('2025-03-09', 150, 'America/New_York'), null);
    assert.equal(zonedInstant('2025-03-09', 90, 'America/New_York')!.toISOString(), '2025-03-09T06:30:00.000Z');
    assert.equal(zonedInstant('2025-03-09', 180, 'America/New_York')!.toISOString(), '2025-03-09T07:00:00.000Z');
  });

  it('takes the first occurrence of a repeated time when clocks fall back', () => {
    // America/New_York, 2025-11-02: 02:00 → 01:00, so 01:30 happens twice
    assert.equal(zonedInstant('2025-11-02', 90, 'America/New_York')!.toISOString(), '2025-11-02T05:30:00.000Z');
    assert.equal(zonedInstant('2025-11-02', 180, 'America/New_York')!.toISOString(), '2025-11-02T08:00:00.000Z');
  });

  it('adds days across month and year ends', () => {
    assert.equal(addDays('2024-12-31', 1), '2025-01-01');
    assert.equal(addDays('2024-02-28', 1), '2024-02-29');
    assert.equal(addDays('2024-03-01', -1), '2024-02-29');
  });
});

describe('ISO 8601 instants', () => {
  it('accepts instants with a zone, to the minute or with seconds and fractions', () => {
    assert.equal(parseInstant('2025-01-01T10:00:00Z')?.toISOString(), '2025-01-01T10:00:00.000Z');
    assert.equal(parseInstant('2025-01-01T10:00Z')?.toISOString(), '2025-01-01T10:00:00.000Z');
    assert.equal(parseInstant('2025-01-01T10:00:00.123456+05:30')?.toISOString(), '2025-01-01T04:30:00.123Z');
    assert.equal(parseInstant('2025-01-01T20:00:00-08:00')?.toISOString(), '2025-01-02T04:00:00.000Z');
  });

  it('refuses what `new Date` would guess at: bare numbers, expanded years, no zone, impossible dates', () => {
    for (const bad of ['1', '2025', '+275760-09-13T00:00:00Z', '+010000-01-03T00:00:00Z', '9999-12-31T00:00:00Z', '2025-01-01T10:00:00',
      '2025-01-01 10:00:00Z', '2025-02-30T10:00:00Z', '2025-01-01T24:00:00Z', '2025-01-01T10:00:00+15:00', 'Wed, 01 Jan 2025 10:00:00 GMT']) {
      assert.equal(parseInstant(bad), null, bad);
    }
  });
});

describe('time zone names', () => {
  it('stores one spelling per zone: the IANA one', () => {
    for (const [given, stored] of [
      ['asia/kolkata', 'Asia/Kolkata'], ['ASIA/KOLKATA', 'Asia/Kolkata'], ['Asia/Kolkata', 'Asia/Kolkata'], ['Asia/Calcutta', 'Asia/Calcutta'],
      ['america/new_york', 'America/New_York'], ['america/port-au-prince', 'America/Port-au-Prince'], ['utc', 'UTC'], ['etc/gmt+5', 'Etc/GMT+5'],
    ]) assert.equal(canonicalTimeZone(given), stored, given);
    assert.equal(canonicalTimeZone('Mars/Olympus_Mons'), null);
  });
});
