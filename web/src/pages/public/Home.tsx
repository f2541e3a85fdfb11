// Home: every doctor from one call to /api/doctor/list, searched by name and filtered by
// speciality in the browser. The filter lives in the URL (?q=&speciality=), nothing personal.
import { useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { DoctorCard } from '../../components/DoctorCard';
import { ErrorMessage, Field, Select, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import { useClientConfig, useDoctors } from '../../lib/queries';

export function Home() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const speciality = params.get('speciality') ?? '';
  const doctors = useDoctors();
  const cfg = useClientConfig();
  const currency = cfg.data?.currency ?? 'INR';

  const specialities = useMemo(() => [...new Set((doctors.data ?? []).map((d) => d.speciality))].sort(), [doctors.data]);
  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    return (doctors.data ?? []).filter((d) => (!speciality || d.speciality === speciality) && (!needle || d.name.toLowerCase().includes(needle)));
  }, [doctors.data, q, speciality]);

  const update = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  return (
    <section>
      <div className="hero">
        <h1>{t('home.title')}</h1>
        <p className="lead">{t('home.lead')}</p>
      </div>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <Field label={t('home.search')} type="search" value={q} onChange={(e) => update('q', e.target.value)} autoComplete="off" />
        <Select
          label={t('home.speciality')}
          value={speciality}
          onChange={(e) => update('speciality', e.target.value)}
          options={[{ value: '', label: t('home.allSpecialities') }, ...specialities.map((s) => ({ value: s, label: s }))]}
        />
      </form>
      {doctors.isPending && <Spinner />}
      <ErrorMessage error={doctors.error} onRetry={() => void doctors.refetch()} />
      {doctors.data && (
        <>
          <p className="muted" aria-live="polite">
            {t('home.count', { count: shown.length })}
          </p>
          {shown.length === 0 ? (
            <p>{t('home.none')}</p>
          ) : (
            <ul className="doctor-grid">
              {shown.map((d) => (
                <DoctorCard key={d._id} doctor={d} currency={currency} />
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
