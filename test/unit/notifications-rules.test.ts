// Pure parts of notifications: iCalendar building and parsing (folding, escaping), template
// filling, reminder lead times and retry backoff.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeText, feed, fold, icsDate, invitation, parseIcs, type IcsEvent } from '../../src/modules/notifications/ical.js';
import { redactUrlToken } from '../../src/modules/notifications/live.js';
import { dueOffset, leadText, leadTextUntil } from '../../src/modules/notifications/reminders.js';
import { escapeHtml, fill, formatWhen, renderAppointmentEmail } from '../../src/modules/notifications/templates.js';
import { backoffDelay } from '../../src/modules/notifications/worker.js';

const event: IcsEvent = {
  uid: 'appointment-abc@clinic.test',
  sequence: 3,
  start: new Date('2025-03-04T05:00:00Z'),
  end: new Date('2025-03-04T05:30:00Z'),
  stamp: new Date('2025-03-01T00:00:00Z'),
  summary: 'Appointment: Zoë, with Dr. Ñoño; checkup',
  description: 'Line one\nLine two with a backslash \\ and a very long tail that certainly goes beyond seventy-five octets of text — with multibyte ✓✓✓ characters',
  location: '12 Main St, Floor 2',
  status: 'CONFIRMED',
  organizer: { name: 'Dr. Ñoño: GP', email: 'doc@clinic.test' },
  attendees: [{ name: 'Zoë', email: 'zoe@example.com' }],
};

describe('iCalendar', () => {
  it('writes CRLF lines of at most 75 octets, folded without splitting characters, and reads them back', () => {
    const text = invitation('REQUEST', event);
    assert.ok(text.endsWith('\r\n'));
    for (const line of text.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `too long: ${line}`);
    assert.equal(text.includes('\uFFFD'), false);
    const cal = parseIcs(text);
    assert.equal(cal.props.METHOD, 'REQUEST');
    assert.equal(cal.props.VERSION, '2.0');
    const ev = cal.events[0];
    assert.equal(ev.SUMMARY, event.summary);
    assert.equal(ev.DESCRIPTION, event.description);
    assert.equal(ev.LOCATION, event.location);
    assert.equal(ev.SEQUENCE, '3');
    assert.equal(ev.DTSTART, '20250304T050000Z');
    assert.equal(ev.STATUS, 'CONFIRMED');
    const org = ev._props.find((p) => p.name === 'ORGANIZER')!;
    assert.equal(org.params.CN, 'Dr. Ñoño: GP');
    assert.equal(org.value, 'mailto:doc@clinic.test');
  });

  it('a cancellation keeps UID and SEQUENCE and says CANCELLED', () => {
    const cal = parseIcs(invitation('CANCEL', event));
    assert.equal(cal.props.METHOD, 'CANCEL');
    assert.equal(cal.events[0].UID, event.uid);
    assert.equal(cal.events[0].STATUS, 'CANCELLED');
  });

  it('a feed has no METHOD and one VEVENT per appointment', () => {
    const cal = parseIcs(feed('Prescripto: Dr. X', [event, { ...event, uid: 'b@x' }]));
    assert.equal(cal.props.METHOD, undefined);
    assert.equal(cal.props['X-WR-CALNAME'], 'Prescripto: Dr. X');
    assert.deepEqual(cal.events.map((e) => e.UID), [event.uid, 'b@x']);
  });

  it('control characters in any value cannot break a content line (a name carrying CRLF + END:VEVENT stays one event)', () => {
    const evil = 'Eve\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:injected@x\r\nSUMMARY:Free money';
    const hostile: IcsEvent = {
      ...event,
      summary: `Appointment: ${evil} with Dr. X`,
      description: `lone CR\rand\u0000NUL ${evil}`,
      location: evil,
      organizer: { name: `Dr. "Quote" ${evil}`, email: 'doc@clinic.test\r\nX-EVIL:1' },
      attendees: [{ name: evil, email: 'eve@example.com' }, { name: `Bob\rCN=x;ROLE=CHAIR`, email: 'bob@example.com' }],
    };
    for (const text of [invitation('REQUEST', hostile), feed(`Prescripto: ${evil}`, [hostile])]) {
      // every physical line is either a continuation or a property; no bare CR or LF anywhere
      assert.equal(/\r(?!\n)|(?<!\r)\n/.test(text), false);
      // eslint-disable-next-line no-control-regex -- the test looks for control characters
      assert.equal(/[\u0000-\u0008\u000B-\u001F\u007F]/.test(text.replace(/\r\n/g, '')), false);
      const cal = parseIcs(text);
      assert.equal(cal.events.length, 1);
      const ev = cal.events[0];
      assert.equal(ev.UID, event.uid);
      assert.equal(ev.SUMMARY.startsWith('Appointment: Eve'), true);
      assert.equal(ev._props.filter((p) => p.name === 'UID').length, 1);
      assert.equal(ev._props.some((p) => p.name === 'X-EVIL'), false);
      const attendees = ev._props.filter((p) => p.name === 'ATTENDEE');
      assert.equal(attendees.length, 2);
      assert.equal(attendees[0].value, 'mailto:eve@example.com');
      assert.equal(attendees[1].params.ROLE, 'REQ-PARTICIPANT', 'a name cannot add or change parameters');
      assert.equal(attendees[1].params.CN, 'BobCN=x;ROLE=CHAIR');
      const org = ev._props.find((p) => p.name === 'ORGANIZER')!;
      assert.equal(org.params.CN?.includes('"'), false);
    }
    assert.equal(escapeText('a\rb\r\nc\u0007d\te'), 'a\\nb\\nc' + 'd\te');
  });

  it('escapes TEXT values and formats UTC times', () => {
    assert.equal(escapeText('a,b;c\\d\ne'), 'a\\,b\\;c\\\\d\\ne');
    assert.equal(icsDate(new Date('2024-12-31T23:59:59.999Z')), '20241231T235959Z');
    assert.equal(fold('x'.repeat(75)), 'x'.repeat(75));
    assert.equal(fold('x'.repeat(76)), `${'x'.repeat(75)}\r\n x`);
  });
});

describe('templates', () => {
  it('escapes values in HTML only, keeps sections with values, and refuses unknown placeholders', () => {
    assert.equal(fill('Hi {{name}}{{#extra}} ({{extra}}){{/extra}}', { name: '<b>&', extra: '' }, false), 'Hi <b>&');
    assert.equal(fill('Hi {{name}}{{#extra}} ({{extra}}){{/extra}}', { name: '<b>&', extra: 'x' }, true), 'Hi &lt;b&gt;&amp; (x)');
    assert.throws(() => fill('{{nope}}', {}, false), /\{\{nope\}\} has no value/);
    assert.equal(escapeHtml(`"'`), '&quot;&#39;');
  });

  it('names the zone and shows the wall-clock time there', () => {
    const t = new Date('2025-01-15T04:30:00Z');
    assert.equal(formatWhen(t, 'Asia/Kolkata'), 'Wednesday, January 15, 2025 at 10:00 AM GMT+5:30 (Asia/Kolkata)');
    assert.match(formatWhen(t, 'America/New_York'), /11:30 PM EST \(America\/New_York\)$/);
  });

  it('every appointment message renders in both parts', () => {
    const vars = {
      recipientName: 'A', doctorName: 'Dr. B', patientName: 'C <script>', speciality: 'GP', when: 'Monday', whenShort: 'Mon', location: 'Here',
      fee: '5 INR', status: 'pending', cancelledBy: 'the doctor', reason: null, refund: '5 INR', refundStatus: 'pending', link: null, lead: 'in 1 hour',
    };
    for (const key of ['booked.patient', 'booked.doctor', 'confirmed.patient', 'confirmed.doctor', 'rescheduled.patient', 'rescheduled.doctor',
      'cancelled.patient', 'cancelled.doctor', 'cancelled.admin', 'completed.patient', 'expired.patient', 'expired.doctor', 'reminder.patient']) {
      const m = renderAppointmentEmail(key, vars);
      assert.ok(m.subject.length > 0 && m.text.includes('Hello A'), key);
      assert.ok(m.html.includes('C &lt;script&gt;') && !m.html.includes('<script>'), key);
    }
  });
});

describe('reminder lead times and retry backoff', () => {
  const start = new Date('2025-01-10T10:00:00Z');
  const at = (ms: number) => new Date(start.getTime() - ms);
  const H = 3600_000;
  it('picks the smallest lead time that has come (which reminder is recorded), none before or after the start', () => {
    assert.equal(dueOffset(start, at(25 * H), [1440, 60]), undefined);
    assert.equal(dueOffset(start, at(24 * H), [1440, 60]), 1440);
    // booked 2 h ahead: the 24 h reminder is due now (late), the 1 h one later
    assert.equal(dueOffset(start, at(2 * H), [1440, 60]), 1440);
    assert.equal(dueOffset(start, at(H), [1440, 60]), 60);
    assert.equal(dueOffset(start, at(1), [1440, 60]), 60);
    assert.equal(dueOffset(start, at(0), [1440, 60]), undefined);
  });

  it('words the time actually left, not the configured lead time', () => {
    // a late "24 h" reminder 3 h before the visit says 3 hours
    assert.equal(leadTextUntil(start, at(3 * H)), 'in 3 hours');
    assert.equal(leadTextUntil(start, at(24 * H - 5_000)), 'in 24 hours');
    assert.equal(leadTextUntil(start, at(23 * H)), 'in 23 hours');
    assert.equal(leadTextUntil(start, at(H - 5_000)), 'in 1 hour');
    assert.equal(leadTextUntil(start, at(50 * 60_000)), 'in 50 minutes');
    assert.equal(leadTextUntil(start, at(30_000)), 'in 1 minute');
    assert.equal(leadTextUntil(start, at(2 * 24 * H)), 'in 2 days');
    assert.equal(leadText(1440), 'in 24 hours');
    assert.equal(leadText(60), 'in 1 hour');
    assert.equal(leadText(2880), 'in 2 days');
    assert.equal(leadText(90), 'in 90 minutes');
    assert.equal(leadText(170), 'in 3 hours');
  });

  it('doubles the delay per attempt up to an hour', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(30_000, n)), [30_000, 60_000, 120_000, 240_000]);
    assert.equal(backoffDelay(30_000, 20), 3600_000);
  });

  it('masks ?token= in logged URLs', () => {
    assert.equal(redactUrlToken('/api/user/events?token=abc.def&x=1'), '/api/user/events?token=[redacted]&x=1');
    assert.equal(redactUrlToken('/api/user/events?a=1&token=abc'), '/api/user/events?a=1&token=[redacted]');
  });
});
