// One message catalogue per language (en.ts, hi.ts), the language switch, and locale-aware
// formatting of dates, times and money through Intl. The chosen language is kept in localStorage.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en, type MessageKey } from './en';
import { hi } from './hi';

export type Lang = 'en' | 'hi';
export const LANGUAGES: { code: Lang; label: string }[] = [
  { code: 'en', label: 'English' },
  { code: 'hi', label: 'हिन्दी' },
];
const CATALOGUES: Record<Lang, Record<MessageKey, string>> = { en, hi };
const LOCALE: Record<Lang, string> = { en: 'en-IN', hi: 'hi-IN' };
const KEY = 'prescripto.lang';

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

interface I18n {
  lang: Lang;
  locale: string;
  setLang(lang: Lang): void;
  t: Translate;
  /** 12 Mar 2026 style, in `timeZone` when given */
  date(value: Date | string, opts?: { timeZone?: string; weekday?: boolean }): string;
  time(value: Date | string, timeZone?: string): string;
  money(amount: number, currency: string): string;
}

const Ctx = createContext<I18n | null>(null);

function initialLang(): Lang {
  const saved = localStorage.getItem(KEY);
  if (saved === 'en' || saved === 'hi') return saved;
  return navigator.language?.toLowerCase().startsWith('hi') ? 'hi' : 'en';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const setLang = useCallback((l: Lang) => {
    localStorage.setItem(KEY, l);
    setLangState(l);
  }, []);
  const value = useMemo<I18n>(() => {
    const locale = LOCALE[lang];
    const cat = CATALOGUES[lang];
    const t: Translate = (key, vars) => {
      const text = cat[key] ?? en[key] ?? key;
      return vars ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m)) : text;
    };
    const d = (v: Date | string) => (typeof v === 'string' ? new Date(v) : v);
    return {
      lang,
      locale,
      setLang,
      t,
      date: (v, opts = {}) =>
        new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', weekday: opts.weekday ? 'short' : undefined, timeZone: opts.timeZone }).format(d(v)),
      time: (v, timeZone) => new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone }).format(d(v)),
      money: (amount, currency) => new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: Number.isInteger(amount) ? 0 : 2 }).format(amount),
    };
  }, [lang, setLang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
