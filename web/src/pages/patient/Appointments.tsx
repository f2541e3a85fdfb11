import { useI18n } from '../../i18n';

export default function Appointments() {
  const { t } = useI18n();
  return <h1>{t('area.comingSoon')}</h1>;
}
