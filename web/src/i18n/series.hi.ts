// Hindi texts of recurring series (the same keys as series.en.ts).
import type { seriesEn } from './series.en';

export const seriesHi: Record<keyof typeof seriesEn, string> = {
  'series.repeat': 'दोहराएँ',
  'series.once': 'सिर्फ़ एक बार',
  'series.weekly': 'हर हफ़्ते',
  'series.biweekly': 'हर 2 हफ़्ते',
  'series.count': 'अपॉइंटमेंट की संख्या',
  'series.preview': 'तारीख़ें जाँचें',
  'series.dates': 'सीरीज़ की तारीख़ें',
  'series.free': 'खाली',
  'series.notFree': 'उपलब्ध नहीं: {reason}',
  'series.when': '{date}, {time}',
  'series.book': '{count} अपॉइंटमेंट बुक करें',
  'series.chooseTwo': 'कम से कम 2 खाली तारीख़ें चुनें।',
  'series.booked': 'सीरीज़ बुक हो गई: {count} अपॉइंटमेंट, पहला {date} को {time} बजे।',
  'series.mark': 'सीरीज़',
  'series.cancelRest': 'सीरीज़ के बाक़ी अपॉइंटमेंट रद्द करें',
  'series.cancelRestTitle': 'इस सीरीज़ के बाक़ी अपॉइंटमेंट रद्द करें?',
  'series.cancelRestText': 'सीरीज़ का हर अपॉइंटमेंट जो अभी शुरू नहीं हुआ है, रद्द हो जाएगा। भुगतान किए गए अपॉइंटमेंट का रिफ़ंड रद्दीकरण नीति के अनुसार होगा।',
  'series.cancelRestConfirm': 'बाक़ी रद्द करें',
  'series.cancelledRest': 'सीरीज़ के {count} अपॉइंटमेंट रद्द किए गए।',
  'series.doctorTitle': 'किसी मरीज़ के लिए सीरीज़ बुक करें',
  'series.doctorHint': 'उस मरीज़ के लिए जिसने पहले आपके साथ बुक किया है: पहला खाली समय चुनें, फिर कितनी बार।',
  'series.patient': 'मरीज़',
  'series.noPatients': 'अभी कोई मरीज़ नहीं: सीरीज़ उसी मरीज़ के लिए बुक हो सकती है जिसने पहले आपके साथ बुक किया हो।',
};
