// The audit log: who did what and when (logins, data changes, session and recovery events), newest
// first, filtered by action, role and outcome, with the page in the URL.
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { Button, ErrorMessage, Field, Select, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import { PageHead } from '../staff/AreaNav';
import { Pager } from '../staff/Pager';
import { validPage } from '../staff/util';

const SIZE = 25;
type Role = 'patient' | 'doctor' | 'admin';
type Outcome = 'success' | 'failure';

export default function AuditLog() {
  const { t, date, time } = useI18n();
  const [params, setParams] = useSearchParams();
  const page = validPage(params.get('page'));
  const action = (params.get('action') ?? '').slice(0, 100);
  const actorRole = (['patient', 'doctor', 'admin'] as const).find((r) => r === params.get('actorRole'));
  const outcome = (['success', 'failure'] as const).find((o) => o === params.get('outcome'));
  const query = { page, limit: SIZE, ...(action ? { action } : {}), ...(actorRole ? { actorRole } : {}), ...(outcome ? { outcome } : {}) };
  const log = useQuery({ queryKey: ['admin', 'audit', query], queryFn: async () => unwrap(await api.GET('/api/admin/audit-log', { params: { query } })), placeholderData: (p) => p });

  const [fAction, setAction] = useState(action);
  const [fRole, setRole] = useState<Role | ''>(actorRole ?? '');
  const [fOutcome, setOutcome] = useState<Outcome | ''>(outcome ?? '');
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const next = new URLSearchParams();
    if (fAction.trim()) next.set('action', fAction.trim());
    if (fRole) next.set('actorRole', fRole);
    if (fOutcome) next.set('outcome', fOutcome);
    setParams(next);
  };

  return (
    <section>
      <PageHead title={t('admin.audit.title')} />
      <form className="filter-bar" onSubmit={apply} aria-label={t('staff.filters.label')}>
        <Field label={t('admin.audit.action')} hint={t('admin.audit.actionHint')} value={fAction} maxLength={100} onChange={(e) => setAction(e.target.value)} />
        <Select
          label={t('admin.audit.role')}
          value={fRole}
          onChange={(e) => setRole(e.target.value as Role | '')}
          options={[{ value: '', label: t('admin.audit.anyRole') }, ...(['patient', 'doctor', 'admin'] as const).map((r) => ({ value: r, label: t(`admin.audit.role.${r}`) }))]}
        />
        <Select
          label={t('admin.audit.outcome')}
          value={fOutcome}
          onChange={(e) => setOutcome(e.target.value as Outcome | '')}
          options={[{ value: '', label: t('admin.audit.anyOutcome') }, ...(['success', 'failure'] as const).map((o) => ({ value: o, label: t(`admin.audit.outcome.${o}`) }))]}
        />
        <div className="row filter-actions">
          <Button type="submit">{t('staff.filters.apply')}</Button>
        </div>
      </form>
      {log.isPending ? (
        <Spinner />
      ) : log.isError ? (
        <ErrorMessage error={log.error} onRetry={() => void log.refetch()} />
      ) : log.data.logs.length === 0 ? (
        <p className="muted">{t('admin.audit.none')}</p>
      ) : (
        <>
          <p className="muted">{t('admin.audit.count', { count: log.data.total })}</p>
          <div className="table-wrap">
            <table className="data-table audit">
              <caption className="visually-hidden">{t('admin.audit.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('admin.audit.when')}</th>
                  <th scope="col">{t('admin.audit.action')}</th>
                  <th scope="col">{t('admin.audit.role')}</th>
                  <th scope="col">{t('admin.audit.target')}</th>
                  <th scope="col">{t('admin.audit.outcome')}</th>
                </tr>
              </thead>
              <tbody>
                {log.data.logs.map((l) => (
                  <tr key={l._id}>
                    <td>
                      <time dateTime={l.at}>
                        {date(l.at)} {time(l.at)}
                      </time>
                    </td>
                    <th scope="row">
                      <code>{l.action}</code>
                    </th>
                    <td>{l.actorRole ? t(`admin.audit.role.${l.actorRole as Role}`) : '—'}</td>
                    <td className="break">{l.targetType ? `${l.targetType} ${l.targetId ?? ''}` : (l.targetId ?? '—')}</td>
                    <td>
                      <span className={`badge ${l.outcome === 'success' ? 'badge-confirmed' : 'badge-cancelled'}`}>
                        {l.outcome === 'success' || l.outcome === 'failure' ? t(`admin.audit.outcome.${l.outcome}`) : l.outcome} ({l.statusCode})
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={page} total={log.data.total} size={SIZE} />
        </>
      )}
    </section>
  );
}
