// The admin area: every /admin/* page. Add routes to the <Routes> below (paths relative to /admin/),
// each page a component in this folder; RequireRole keeps other roles out.
import { Route, Routes } from 'react-router';
import { RequireRole } from '../../components/Layout';
import { useI18n } from '../../i18n';
import { NotFound } from '../public/NotFound';

function Dashboard() {
  const { t } = useI18n();
  return (
    <section>
      <h1>{t('area.admin')}</h1>
      <p>{t('area.comingSoon')}</p>
    </section>
  );
}

export function AdminArea() {
  return (
    <RequireRole role="admin">
      <Routes>
        <Route index element={<Dashboard />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </RequireRole>
  );
}
