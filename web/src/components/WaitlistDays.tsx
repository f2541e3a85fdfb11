// Waiting patients per day (the doctor's and the admin's dashboards): a small table, the days in the
// doctor's (or the platform's) zone as the API gives them.
import { useI18n } from '../i18n';

export interface WaitlistDay {
  date: string;
  waiting: number;
}

export function WaitlistDays({ days }: { days: WaitlistDay[] }) {
  const { t, date } = useI18n();
  if (days.length === 0) return <p className="muted">{t('waitlist.days.none')}</p>;
  return (
    <table className="table waitlist-days">
      <caption>{t('waitlist.days.caption')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('waitlist.days.date')}</th>
          <th scope="col">{t('waitlist.days.waiting')}</th>
        </tr>
      </thead>
      <tbody>
        {days.map((d) => (
          <tr key={d.date} data-day={d.date}>
            <th scope="row">{date(`${d.date}T12:00:00Z`, { timeZone: 'UTC', weekday: true })}</th>
            <td className="num">{d.waiting}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
