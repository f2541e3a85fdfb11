// Every doctor, with a switch for whether they take bookings and a button that sends a fresh welcome
// email (a new "set your password" link).
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { Button, ErrorMessage, Notice, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import { useClientConfig } from '../../lib/queries';
import { PageHead } from '../staff/AreaNav';
import { AvailabilitySwitch } from '../staff/Switch';
import { adminKeys, useAllDoctors, type AdminDoctor } from './queries';

export default function Doctors() {
  const { t } = useI18n();
  const doctors = useAllDoctors();
  const [search, setSearch] = useState('');
  const q = search.trim().toLowerCase();
  const shown = (doctors.data ?? []).filter((d) => !q || d.name.toLowerCase().includes(q) || d.speciality.toLowerCase().includes(q) || d.email.toLowerCase().includes(q));
  return (
    <section>
      <PageHead title={t('admin.doctors.title')}>
        <Link to="/admin/add-doctor" className="btn btn-primary">
          {t('admin.nav.addDoctor')}
        </Link>
      </PageHead>
      <div className="field narrow">
        <label htmlFor="doctor-search">{t('admin.doctors.search')}</label>
        <input id="doctor-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      {doctors.isPending ? (
        <Spinner />
      ) : doctors.isError ? (
        <ErrorMessage error={doctors.error} onRetry={() => void doctors.refetch()} />
      ) : shown.length === 0 ? (
        <p className="muted">{t('admin.doctors.none')}</p>
      ) : (
        <ul className="doctor-grid admin-doctors">
          {shown.map((d) => (
            <DoctorItem key={d._id} doctor={d} />
          ))}
        </ul>
      )}
    </section>
  );
}

function DoctorItem({ doctor: d }: { doctor: AdminDoctor }) {
  const { t, money } = useI18n();
  const qc = useQueryClient();
  const currency = useClientConfig().data?.currency ?? 'INR';
  const [sent, setSent] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  return (
    <li className="card doctor-card" data-doctor={d._id}>
      <img src={d.image} alt={t('doctor.photo', { name: d.name })} width="80" height="80" loading="lazy" className="avatar" />
      <div className="doctor-card-body stack-sm">
        <h2 className="h3">{d.name}</h2>
        <p className="muted">
          {d.speciality} · {d.degree} · {d.experience}
        </p>
        <p className="muted break">{d.email}</p>
        <p>
          {t('doctor.fee')}: {money(d.fees, currency)}
        </p>
        <AvailabilitySwitch
          compact
          label={t('admin.doctors.available', { name: d.name })}
          checked={d.available}
          onChange={async (next) => {
            if (next === d.available) return;
            unwrap(await api.POST('/api/admin/change-availability', { body: { docId: d._id } }));
            qc.setQueryData<AdminDoctor[]>(adminKeys.doctors, (list) => list?.map((x) => (x._id === d._id ? { ...x, available: next } : x)));
            await qc.invalidateQueries({ queryKey: ['doctors'] });
          }}
        />
        <Button
          variant="secondary"
          busy={busy}
          aria-label={t('admin.doctors.welcomeFor', { name: d.name })}
          onClick={async () => {
            setBusy(true);
            setError(undefined);
            setSent('');
            try {
              setSent(unwrap(await api.POST('/api/admin/doctors/{docId}/welcome', { params: { path: { docId: d._id } } })).message);
            } catch (err) {
              setError(err);
            } finally {
              setBusy(false);
            }
          }}
        >
          {t('admin.doctors.welcome')}
        </Button>
        {sent && <Notice tone="success">{sent}</Notice>}
        <ErrorMessage error={error} />
      </div>
    </li>
  );
}
