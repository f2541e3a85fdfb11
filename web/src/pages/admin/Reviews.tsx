// Review moderation: reported reviews (latest report first) or hidden ones; hide with a reason (the
// server writes it to the audit log) or show again. The filter and page live in the URL.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ReviewItem, TextActionButton } from '../../components/Reviews';
import { Button, ErrorMessage, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import { useAction } from '../../lib/action';
import { PageHead } from '../staff/AreaNav';
import { Pager } from '../staff/Pager';
import { validPage } from '../staff/util';
import { adminKeys } from './queries';

const SIZE = 20;

export default function Reviews() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const filter = params.get('filter') === 'hidden' ? 'hidden' : 'reported';
  const page = validPage(params.get('page'));
  const query = { filter, page, limit: SIZE } as const;
  const list = useQuery({
    queryKey: [...adminKeys.all, 'reviews', query],
    queryFn: async () => unwrap(await api.GET('/api/admin/reviews', { params: { query } })),
    placeholderData: (p) => p,
  });
  return (
    <section className="stack">
      <PageHead title={t('reviews.adminTitle')} />
      <div role="tablist" className="tabs" aria-label={t('reviews.adminTitle')}>
        {(['reported', 'hidden'] as const).map((f) => (
          <button key={f} role="tab" type="button" id={`rtab-${f}`} aria-selected={filter === f} aria-controls="reviews-panel" className="btn btn-secondary" onClick={() => setParams(new URLSearchParams({ filter: f }))}>
            {t(f === 'reported' ? 'reviews.filterReported' : 'reviews.filterHidden')}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="reviews-panel" aria-labelledby={`rtab-${filter}`} className="stack">
        {list.isPending && <Spinner />}
        <ErrorMessage error={list.error} onRetry={() => void list.refetch()} />
        {list.data && list.data.reviews.length === 0 && <p>{t('reviews.nothingToModerate')}</p>}
        <ul className="review-list">
          {list.data?.reviews.map((r) => (
            <ReviewItem key={r._id} review={r} badge={r.hidden ? <span className="badge badge-cancelled">{t('reviews.hiddenByAdmin')}</span> : undefined}>
              {r.reports > 0 && (
                <p>
                  {t('reviews.reports', { count: r.reports })} · {t('reviews.reasons', { reasons: r.reasons.join('; ') })}
                </p>
              )}
              {r.hiddenReason && <p>{t('reviews.hiddenReason', { reason: r.hiddenReason })}</p>}
              <Moderate reviewId={r._id} hidden={r.hidden} />
            </ReviewItem>
          ))}
        </ul>
        {list.data && (
<Pager page={page} total={list.data.total} size={SIZE} />
        )}
      </div>
    </section>
  );
}

function Moderate({ reviewId, hidden }: { reviewId: string; hidden: boolean }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { busy, error, run } = useAction();
  const refresh = () => qc.invalidateQueries({ queryKey: [...adminKeys.all, 'reviews'] });
  const path = { params: { path: { reviewId } } };
  if (hidden)
    return (
      <div className="row">
        <ErrorMessage error={error} />
        <Button variant="secondary" busy={busy} onClick={() =>
            void run(async () => {
              unwrap(await api.POST('/api/admin/reviews/{reviewId}/unhide', path));
              await refresh();
            })
          }>
          {t('reviews.unhide')}
        </Button>
      </div>
    );
  return (
    <TextActionButton
      openLabel={t('reviews.hide')}
      openVariant="danger"
      label={t('reviews.hideReason')}
      maxLength={500}
      rows={2}
      submitLabel={t('reviews.hideConfirm')}
      submitVariant="danger"
      send={async (reason) => {
        unwrap(await api.POST('/api/admin/reviews/{reviewId}/hide', { ...path, body: { reason } }));
        await refresh();
      }}
    />
  );
}
