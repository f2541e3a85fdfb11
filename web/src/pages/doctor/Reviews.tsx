// The doctor's reviews: their rating, every review (hidden ones marked), a public reply to each
// (once), and a report to the admin.
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { RatingSummary, ReportButton, ReviewFeed, TextActionButton } from '../../components/Reviews';
import { useI18n } from '../../i18n';
import { PageHead } from '../staff/AreaNav';
import { doctorKeys } from './queries';

const key = [...doctorKeys.all, 'reviews'] as const;

export default function Reviews() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const q = useInfiniteQuery({
    queryKey: key,
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) => unwrap(await api.GET('/api/doctor/reviews', { params: { query: { limit: 10, ...(pageParam ? { before: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next ?? undefined,
  });
  const rating = q.data?.pages[0]?.rating;
  return (
    <section className="stack">
      <PageHead title={t('reviews.doctorTitle')} />
      {rating && <RatingSummary average={rating.average} count={rating.count} />}
      <ReviewFeed
        q={q}
        actions={(r) => (
          <div className="row">
            {!r.reply && (
              <TextActionButton
                openLabel={t('reviews.replyButton')}
                label={t('reviews.replyLabel')}
                hint={t('reviews.replyHint')}
                maxLength={2000}
                submitLabel={t('reviews.replySend')}
                send={async (reply) => {
                  unwrap(await api.POST('/api/doctor/reviews/{reviewId}/reply', { params: { path: { reviewId: r._id } }, body: { reply } }));
                  await qc.invalidateQueries({ queryKey: key });
                }}
              />
            )}
            <ReportButton
              send={async (reason) => {
                unwrap(await api.POST('/api/doctor/reviews/{reviewId}/report', { params: { path: { reviewId: r._id } }, body: { reason } }));
              }}
            />
          </div>
        )}
      />
    </section>
  );
}
