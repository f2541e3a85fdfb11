import { Link } from 'react-router';
import { useI18n } from '../../i18n';

export function NotFound() {
  const { t } = useI18n();
  return (
    <section>
      <h1>{t('app.notFound')}</h1>
      <p>
        <Link to="/">{t('app.home')}</Link>
      </p>
    </section>
  );
}
