// The page frame every role shares: skip link, header with navigation for the signed-in role,
// language switch, and the <main> landmark pages render into.
import { Suspense, useEffect, useRef } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { logout, useSession } from '../auth/session';
import { LANGUAGES, useI18n, type Lang } from '../i18n';
import { useUnreadCount } from '../pages/patient/notifications-live';
import { Spinner } from './ui';

export function Layout() {
  const { t, lang, setLang } = useI18n();
  const s = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const unread = useUnreadCount(s.status === 'signed-in' && s.role === 'patient');

  // a new page: move focus to the main region so screen readers and keyboards start there
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [location.pathname]);

  return (
    <>
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <header className="site-header">
        <div className="container header-row">
          <Link to="/" className="brand">
            <img src="/favicon.svg" alt="" width="28" height="28" />
            {t('app.name')}
          </Link>
          <nav aria-label={t('nav.main')} className="nav">
            <NavLink to="/" end>
              {t('nav.doctors')}
            </NavLink>
            {s.status === 'signed-in' && s.role === 'patient' && (
              <>
                <NavLink to="/appointments">{t('nav.appointments')}</NavLink>
                <NavLink to="/waitlist">{t('nav.waitlist')}</NavLink>
                <NavLink to="/notifications">
                  {t('nav.notifications')}
                  {unread > 0 && (
                    <span className="count">
                      {unread}
                      <span className="visually-hidden"> {t('notif.unread')}</span>
                    </span>
                  )}
                </NavLink>
                <NavLink to="/profile">{t('nav.profile')}</NavLink>
                <NavLink to="/security">{t('nav.security')}</NavLink>
              </>
            )}
            {s.status === 'signed-in' && s.role === 'doctor' && <NavLink to="/doctor">{t('nav.doctorArea')}</NavLink>}
            {s.status === 'signed-in' && s.role === 'admin' && <NavLink to="/admin">{t('nav.adminArea')}</NavLink>}
            {s.status === 'anonymous' && (
              <>
                <NavLink to="/login">{t('nav.login')}</NavLink>
                <NavLink to="/register">{t('nav.register')}</NavLink>
              </>
            )}
            {s.status === 'signed-in' && (
              <button
                type="button"
                className="btn btn-link"
                onClick={async () => {
                  await logout();
                  navigate('/');
                }}
              >
                {t('nav.logout')}
              </button>
            )}
          </nav>
          <div className="lang">
            <label htmlFor="lang-select">{t('app.language')}</label>
            <select id="lang-select" value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
              {LANGUAGES.map((l) => (
                <option key={l.code} value={l.code} lang={l.code}>
                  {l.label}
                </option>
              ))}
            </select>
          </div>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1} className="container">
        <Suspense fallback={<Spinner />}>
          <Outlet />
        </Suspense>
      </main>
      <footer className="site-footer">
        <div className="container footer-row">
          <span>© {new Date().getFullYear()} {t('app.name')}</span>
          {s.status !== 'signed-in' && (
            <>
              <Link to="/doctor/login">{t('nav.forDoctors')}</Link>
              <Link to="/admin/login">{t('nav.forAdmins')}</Link>
            </>
          )}
        </div>
      </footer>
    </>
  );
}

/** Renders children only for `role`; sends anyone else to that role's login (keeping where they were going). */
export function RequireRole({ role, children }: { role: 'patient' | 'doctor' | 'admin'; children: React.ReactNode }) {
  const s = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const wrong = s.status === 'anonymous' || (s.status === 'signed-in' && s.role !== role);
  useEffect(() => {
    if (wrong) {
      const login = role === 'patient' ? '/login' : `/${role}/login`;
      navigate(login, { replace: true, state: { from: location.pathname + location.search } });
    }
  }, [wrong, role, navigate, location]);
  if (s.status !== 'signed-in' || s.role !== role) return <Spinner />;
  return <>{children}</>;
}
