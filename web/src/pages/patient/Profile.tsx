import { useI18n } from '../../i18n';

export default function Profile() {
  const { t } = useI18n();
  return <h1>{t('area.comingSoon')}</h1>;
}
