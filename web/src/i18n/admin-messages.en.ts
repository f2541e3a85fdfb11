// English texts of the admin's messages page (spread into en.ts; admin-messages.hi.ts has the same keys).
export const adminMessagesEn = {
  'adminMessages.nav': 'Messages',
  'adminMessages.title': 'Messages',
  'adminMessages.intro': 'Message counts per appointment, reported conversations first. You can read a conversation only when the patient or the doctor reported it.',
  'adminMessages.none': 'No messages yet.',
  'adminMessages.appointment': 'Appointment',
  'adminMessages.messages': 'Messages',
  'adminMessages.unread': 'Unread',
  'adminMessages.last': 'Last message',
  'adminMessages.reported': 'Reported',
  'adminMessages.reportedBadge': 'Reported',
  'adminMessages.notReported': 'No',
  'adminMessages.reasons': 'Reasons: {reasons}',
  'adminMessages.read': 'Read the conversation',
  'adminMessages.close': 'Close the conversation',
  'adminMessages.threadTitle': 'Reported conversation of appointment {id}',
  'adminMessages.pictures': '{count} picture(s)',
} as const;
