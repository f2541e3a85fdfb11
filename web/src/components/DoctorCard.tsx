import { Link } from 'react-router';
import { useI18n } from '../i18n';
import type { Doctor } from '../lib/queries';
import { RatingSummary } from './Reviews';

export function DoctorCard({ doctor, currency }: { doctor: Doctor; currency: string }) {
  const { t, money } = useI18n();
  return (
    <li className="card doctor-card">
      <img src={doctor.image} alt={t('doctor.photo', { name: doctor.name })} width="96" height="96" loading="lazy" className="avatar" />
      <div className="doctor-card-body">
        <h2 className="h3">
          <Link to={`/doctors/${doctor._id}`} aria-label={`${doctor.name}, ${t('doctor.view')}`}>
            {doctor.name}
          </Link>
        </h2>
        <p className="muted">
          {doctor.speciality} · {doctor.degree}
        </p>
        <p>{t('doctor.experience', { years: doctor.experience })}</p>
        <RatingSummary average={doctor.ratingAverage} count={doctor.ratingCount} />
        <p>
          {t('doctor.fee')}: <strong>{money(doctor.fees, currency)}</strong>
        </p>
        <p className={doctor.available ? 'available' : 'unavailable'}>
          <span className="dot" aria-hidden="true" />
          {doctor.available ? t('doctor.available') : t('doctor.unavailable')}
        </p>
      </div>
    </li>
  );
}
