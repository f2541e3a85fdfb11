// The patient's data rights on the Security page: download everything held about them as JSON (or
// as a FHIR R4 Bundle for other health apps), and delete the account (a confirmation, then the password again).
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api, download as downloadFile, unwrap } from '../../api/client';
import { session } from '../../auth/store';
import { Button, ErrorMessage, Field } from '../../components/ui';
import { useI18n } from '../../i18n';
import { downloadJson } from '../../lib/download';
import { setLoginNotice } from '../../lib/login-notice';

export function DataRights() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>();
  const [downloading, setDownloading] = useState<'json' | 'fhir'>();
  const [confirming, setConfirming] = useState(false);
  const [password, setPassword] = useState('');
  const [deleting, setDeleting] = useState(false);

  const download = async (format: 'json' | 'fhir') => {
    setDownloading(format);
    setError(undefined);
    try {
      if (format === 'fhir') {
        await downloadFile('/api/user/data-export/fhir', 'prescripto-data.fhir.json');
      } else {
        const data = unwrap(await api.GET('/api/user/data-export'));
        downloadJson(data, `prescripto-data-${data.profile._id}.json`);
      }
    } catch (err) {
      setError(err);
    } finally {
      setDownloading(undefined);
    }
  };

  const remove = async (e: FormEvent) => {
    e.preventDefault();
    if (!password) return;
    setDeleting(true);
    setError(undefined);
    try {
      unwrap(await api.POST('/api/user/delete-account', { body: { password } }));
      // every session ended on the server; the first request to notice may lead to the login page
      setLoginNotice('dataRights.deleted');
      session.signedOut();
      navigate('/login', { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setDeleting(false);
    }
  };

  return (
    <div className="stack card">
      <h2 className="h3">{t('dataRights.title')}</h2>
      <ErrorMessage error={error} />
      <p>{t('dataRights.downloadHelp')}</p>
      <div className="row">
        <Button variant="secondary" busy={downloading === 'json'} onClick={() => void download('json')}>
          {t('dataRights.download')}
        </Button>
        <Button variant="secondary" busy={downloading === 'fhir'} onClick={() => void download('fhir')}>
          {t('dataRights.downloadFhir')}
        </Button>
      </div>
      <p>{t('dataRights.deleteHelp')}</p>
      {confirming ? (
        <form onSubmit={remove} noValidate className="stack" aria-label={t('dataRights.delete')}>
          <p role="alert">{t('dataRights.deleteWarning')}</p>
          <Field label={t('dataRights.password')} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
          <div className="row">
            <Button type="submit" variant="danger" busy={deleting} disabled={!password}>
              {t('dataRights.deleteConfirm')}
            </Button>
            <Button variant="secondary" onClick={() => (setConfirming(false), setPassword(''))}>
              {t('dataRights.keep')}
            </Button>
          </div>
        </form>
      ) : (
        <div>
          <Button variant="danger" onClick={() => setConfirming(true)}>
            {t('dataRights.delete')}
          </Button>
        </div>
      )}
    </div>
  );
}
