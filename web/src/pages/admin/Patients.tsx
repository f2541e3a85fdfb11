// The admin's patient lookup, to act on a patient's data-rights request: download all their data
// or delete their account (with a confirmation). Both calls are recorded in the audit log.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, download as downloadFile, unwrap } from '../../api/client';
import { Button, ErrorMessage, Field, Notice, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import { downloadJson } from '../../lib/download';
import { PageHead } from '../staff/AreaNav';

export default function Patients() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [text, setText] = useState('');
  const [search, setSearch] = useState('');
  const [confirming, setConfirming] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [deleted, setDeleted] = useState(false);
  const found = useQuery({
    queryKey: ['admin', 'patients', search],
    enabled: search.length >= 2,
    queryFn: async () => unwrap(await api.GET('/api/admin/patients', { params: { query: { q: search } } })).patients,
  });

  const find = (e: FormEvent) => {
    e.preventDefault();
    setDeleted(false);
    setSearch(text.trim());
  };
  const act = async (id: string, work: () => Promise<void>) => {
    setBusy(id);
    setError(undefined);
    try {
      await work();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(undefined);
    }
  };
  const download = (id: string) =>
    act(id, async () => downloadJson(unwrap(await api.GET('/api/admin/patients/{id}/data-export', { params: { path: { id } } })), `prescripto-data-${id}.json`));
  const downloadFhir = (id: string) => act(id, () => downloadFile(`/api/admin/patients/${id}/data-export/fhir`, `prescripto-data-${id}.fhir.json`));
  const remove = (id: string) =>
    act(id, async () => {
      unwrap(await api.DELETE('/api/admin/patients/{id}', { params: { path: { id } } }));
      setConfirming(undefined);
      setDeleted(true);
      await qc.invalidateQueries({ queryKey: ['admin', 'patients'] });
    });

  return (
    <section className="stack">
      <PageHead title={t('admin.patients.title')} />
      <p>{t('admin.patients.help')}</p>
      <form className="filter-bar" onSubmit={find} role="search" aria-label={t('admin.patients.title')}>
        <Field label={t('admin.patients.search')} value={text} minLength={2} maxLength={100} onChange={(e) => setText(e.target.value)} />
        <div className="row filter-actions">
          <Button type="submit" disabled={text.trim().length < 2}>
            {t('admin.patients.find')}
          </Button>
        </div>
      </form>
      {deleted && <Notice tone="success">{t('admin.patients.deleted')}</Notice>}
      <ErrorMessage error={error} />
      {search.length < 2 ? null : found.isPending ? (
        <Spinner />
      ) : found.isError ? (
        <ErrorMessage error={found.error} onRetry={() => void found.refetch()} />
      ) : found.data.length === 0 ? (
        <p className="muted">{t('admin.patients.none')}</p>
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">{t('admin.patients.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('admin.patients.name')}</th>
                <th scope="col">{t('admin.patients.email')}</th>
                <th scope="col">{t('staff.appts.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {found.data.map((p) => (
                <tr key={p._id}>
                  <th scope="row">{p.name}</th>
                  <td className="break">{p.email}</td>
                  <td>
                    <div className="row">
                      <Button variant="secondary" busy={busy === p._id && confirming !== p._id} onClick={() => void download(p._id)}>
                        {t('admin.patients.download')}
                      </Button>
                      <Button variant="secondary" disabled={busy === p._id} onClick={() => void downloadFhir(p._id)}>
                        {t('admin.patients.downloadFhir')}
                      </Button>
                      {confirming === p._id ? (
                        <>
                          <Button variant="danger" busy={busy === p._id} onClick={() => void remove(p._id)}>
                            {t('admin.patients.confirm', { email: p.email })}
                          </Button>
                          <Button variant="secondary" onClick={() => setConfirming(undefined)}>
                            {t('staff.keep')}
                          </Button>
                        </>
                      ) : (
                        <Button variant="danger" onClick={() => setConfirming(p._id)}>
                          {t('admin.patients.delete')}
                        </Button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
