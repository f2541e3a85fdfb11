// English texts of push notifications (spread into en.ts; push.hi.ts has the same keys).
export const pushEn = {
  'push.heading': 'Notifications on this device',
  'push.allow': 'Allow notifications on this device',
  'push.onHint': 'This device shows a notification for bookings, cancellations, reminders and new messages.',
  'push.denied': 'Notifications are blocked for this site in your browser settings: allow them there, then try again.',
  'push.off': 'Notifications are not available on this server.',
  'push.unsupported': 'This browser cannot show notifications from Prescripto.',
} as const;
