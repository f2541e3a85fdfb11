// An .ics file (RFC 5545) for one appointment, made in the browser from data the app already has.
const stamp = (iso: string) => new Date(iso).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const esc = (s: string) => s.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\n/g, '\\n');

export function appointmentIcs(
  a: { _id: string; startsAt: string; endsAt: string; videoLink?: string | null; docData: { name: string; speciality: string; address: { line1: string; line2: string } } },
  title: string,
): Blob {
  // a video call's place is its link (once the server hands it out); otherwise the doctor's address
  const location = a.videoLink ?? [a.docData.address.line1, a.docData.address.line2].filter(Boolean).join(', ');
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Prescripto//Web//EN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${a._id}@prescripto`,
    `DTSTAMP:${stamp(new Date().toISOString())}`,
    `DTSTART:${stamp(a.startsAt)}`,
    `DTEND:${stamp(a.endsAt)}`,
    `SUMMARY:${esc(title)}`,
    `LOCATION:${esc(location)}`,
    ...(a.videoLink ? [`URL:${a.videoLink.replace(/\s/g, '')}`] : []),
    `DESCRIPTION:${esc(`${a.docData.name} (${a.docData.speciality})`)}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/calendar;charset=utf-8' });
}
