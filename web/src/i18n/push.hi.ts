// Hindi texts of push notifications (the same keys as push.en.ts).
import type { pushEn } from './push.en';

export const pushHi: Record<keyof typeof pushEn, string> = {
  'push.heading': 'इस डिवाइस पर सूचनाएँ',
  'push.allow': 'इस डिवाइस पर सूचनाएँ दिखाने दें',
  'push.onHint': 'यह डिवाइस बुकिंग, रद्द होने, रिमाइंडर और नए संदेशों की सूचना दिखाता है।',
  'push.denied': 'आपके ब्राउज़र की सेटिंग में इस साइट की सूचनाएँ बंद हैं: वहाँ उन्हें चालू करें, फिर दोबारा कोशिश करें।',
  'push.off': 'इस सर्वर पर सूचनाएँ उपलब्ध नहीं हैं।',
  'push.unsupported': 'यह ब्राउज़र Prescripto की सूचनाएँ नहीं दिखा सकता।',
};
