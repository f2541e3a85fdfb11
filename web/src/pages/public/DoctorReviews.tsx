// The latest visible reviews on a doctor's page, older ones page by page (cursor). Reviewers appear
// as the server gives them: first name and last initial. A signed-in patient can report a review.
import { useInfiniteQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { ReportButton, ReviewFeed } from '../../components/Reviews';
import { useI18n } from '../../i18n';

export function DoctorReviews({ docId }: { docId: string }) {
  const { t } = useI18n();
  const s = useSession();
  const patient = s.status === 'signed-in' && s.role === 'patient';
  const q = useInfiniteQuery({
    queryKey: ['doctor-reviews', docId],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(await api.GET('/api/doctor/{docId}/reviews', { params: { path: { docId }, query: { limit: 5, ...(pageParam ? { before: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next ?? undefined,
  });
  return (
    <section aria-labelledby="reviews-title" className="stack">
      <h2 id="reviews-title">{t('reviews.title')}</h2>
      <ReviewFeed
        q={q}
        actions={(r) =>
          patient && (
            <ReportButton
              send={async (reason) => {
                unwrap(await api.POST('/api/user/reviews/{reviewId}/report', { params: { path: { reviewId: r._id } }, body: { reason } }));
              }}
            />
          )
        }
      />
    </section>
  );
}
