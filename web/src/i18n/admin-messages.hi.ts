// Hindi texts of the admin's messages page (the same keys as admin-messages.en.ts).
import type { adminMessagesEn } from './admin-messages.en';

export const adminMessagesHi: Record<keyof typeof adminMessagesEn, string> = {
  'adminMessages.nav': 'संदेश',
  'adminMessages.title': 'संदेश',
  'adminMessages.intro': 'हर अपॉइंटमेंट के संदेशों की गिनती, रिपोर्ट की गई बातचीत पहले। आप कोई बातचीत तभी पढ़ सकते हैं जब मरीज़ या डॉक्टर ने उसे रिपोर्ट किया हो।',
  'adminMessages.none': 'अभी कोई संदेश नहीं।',
  'adminMessages.appointment': 'अपॉइंटमेंट',
  'adminMessages.messages': 'संदेश',
  'adminMessages.unread': 'अनपढ़े',
  'adminMessages.last': 'आख़िरी संदेश',
  'adminMessages.reported': 'रिपोर्ट',
  'adminMessages.reportedBadge': 'रिपोर्ट की गई',
  'adminMessages.notReported': 'नहीं',
  'adminMessages.reasons': 'कारण: {reasons}',
  'adminMessages.read': 'बातचीत पढ़ें',
  'adminMessages.close': 'बातचीत बंद करें',
  'adminMessages.threadTitle': 'अपॉइंटमेंट {id} की रिपोर्ट की गई बातचीत',
  'adminMessages.pictures': '{count} तस्वीर',
};
