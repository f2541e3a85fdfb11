// Page links for a paginated list. The page lives in the URL (?page=3) so a link or a reload opens it.
import { Link, useLocation } from 'react-router';
import { useI18n } from '../../i18n';

export function Pager({ page, total, size }: { page: number; total: number; size: number }) {
  const { t } = useI18n();
  const location = useLocation();
  const pages = Math.max(1, Math.ceil(total / size));
  if (pages <= 1 && page <= 1) return null;
  const href = (p: number) => {
    const q = new URLSearchParams(location.search);
    q.set('page', String(p));
    return `${location.pathname}?${q}`;
  };
  return (
    <nav className="pager" aria-label={t('staff.pager.label')}>
      {page > 1 ? (
        <Link to={href(page - 1)} className="btn btn-secondary" rel="prev">
          {t('staff.pager.prev')}
        </Link>
      ) : (
        <span className="btn btn-secondary" aria-disabled="true">
          {t('staff.pager.prev')}
        </span>
      )}
      <span aria-current="page">{t('staff.pager.status', { page, pages })}</span>
      {page < pages ? (
        <Link to={href(page + 1)} className="btn btn-secondary" rel="next">
          {t('staff.pager.next')}
        </Link>
      ) : (
        <span className="btn btn-secondary" aria-disabled="true">
          {t('staff.pager.next')}
        </span>
      )}
    </nav>
  );
}
