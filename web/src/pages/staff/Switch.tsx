// An on/off switch that saves at once (role="switch", so screen readers announce on/off). It shows
// the saved state, turns busy while the server answers, and shows the server's message on a refusal.
import { useState } from 'react';
import { ErrorMessage } from '../../components/ui';
import { useI18n } from '../../i18n';

export function AvailabilitySwitch({ label, checked, onChange, compact }: { label: string; checked: boolean; onChange: (next: boolean) => Promise<unknown>; compact?: boolean }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  return (
    <div className={compact ? 'switch-wrap compact' : 'switch-wrap'}>
      <button
        type="button"
        role="switch"
        aria-checked={checked}
        aria-busy={busy || undefined}
        disabled={busy}
        className="switch"
        onClick={async () => {
          setBusy(true);
          setError(undefined);
          try {
            await onChange(!checked);
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <span className="switch-track" aria-hidden="true">
          <span className="switch-thumb" />
        </span>
        <span className="switch-label">{label}</span>
        <span className="switch-state">{checked ? t('staff.switch.on') : t('staff.switch.off')}</span>
      </button>
      <ErrorMessage error={error} />
    </div>
  );
}
