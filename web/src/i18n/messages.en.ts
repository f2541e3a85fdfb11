// English texts of doctor–patient messages (spread into en.ts; messages.hi.ts has the same keys).
export const messagesEn = {
  'messages.title': 'Messages',
  'messages.open': 'Messages',
  'messages.openUnread': 'Messages ({count} new)',
  'messages.none': 'No messages yet.',
  'messages.you': 'You',
  'messages.doctor': 'Doctor',
  'messages.patient': 'Patient',
  'messages.picture': 'Picture {n}',
  'messages.read': 'Read',
  'messages.sent': 'Sent',
  'messages.closed': 'This conversation is closed: messages can be sent until 14 days after the visit.',
  'messages.label': 'Your message',
  'messages.pictures': 'Pictures (up to {max}, optional)',
  'messages.send': 'Send message',
  'messages.tooManyPictures': 'Choose at most {max} pictures.',
  'messages.unreadNav': '{count} unread messages',
} as const;
