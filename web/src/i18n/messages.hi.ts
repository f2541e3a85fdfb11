// Hindi texts of doctor–patient messages (the same keys as messages.en.ts).
import type { messagesEn } from './messages.en';

export const messagesHi: Record<keyof typeof messagesEn, string> = {
  'messages.title': 'संदेश',
  'messages.open': 'संदेश',
  'messages.openUnread': 'संदेश ({count} नए)',
  'messages.none': 'अभी कोई संदेश नहीं।',
  'messages.you': 'आप',
  'messages.doctor': 'डॉक्टर',
  'messages.patient': 'मरीज़',
  'messages.picture': 'तस्वीर {n}',
  'messages.read': 'पढ़ा गया',
  'messages.sent': 'भेजा गया',
  'messages.closed': 'यह बातचीत बंद है: मुलाक़ात के 14 दिन बाद तक ही संदेश भेजे जा सकते हैं।',
  'messages.label': 'आपका संदेश',
  'messages.pictures': 'तस्वीरें ({max} तक, वैकल्पिक)',
  'messages.send': 'संदेश भेजें',
  'messages.tooManyPictures': 'अधिकतम {max} तस्वीरें चुनें।',
  'messages.unreadNav': '{count} अपठित संदेश',
};
