// The doctor's reviews: their rating, every review (hidden ones marked), a public reply to each
// (once), and a report to the admin.
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { RatingSummary, ReportButton, ReviewItem, TextArea } from '../../components/Reviews';
import { Button, ErrorMessage, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import { PageHead } from '../staff/AreaNav';
import { doctorKeys } from './queries';

const key = [...doctorKeys.all, 'reviews'] as const;

export default function Reviews() {
  const { t } = useI18n();
  const q = useInfiniteQuery({
    queryKey: key,
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) => unwrap(await api.GET('/api/doctor/reviews', { params: { query: { limit: 10, ...(pageParam ? { before: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next ?? undefined,
  });
  const reviews = q.data?.pages.flatMap((p) => p.reviews) ?? [];
  const rating = q.data?.pages[0]?.rating;
  return (
    <section className="stack">
      <PageHead title={t('reviews.doctorTitle')} />
      {rating && <RatingSummary average={rating.average} count={rating.count} />}
      {q.isPending && <Spinner />}
      <ErrorMessage error={q.error} onRetry={() => void q.refetch()} />
      {q.data && reviews.length === 0 && <p>{t('reviews.none')}</p>}
      <ul className="review-list">
        {reviews.map((r) => (
          <ReviewItem key={r._id} review={r} badge={r.hidden ? <span className="badge badge-cancelled">{t('reviews.hiddenByAdmin')}</span> : undefined}>
            <div className="row">
              {!r.reply && <ReplyForm reviewId={r._id} />}
              <ReportButton
                send={async (reason) => {
                  unwrap(await api.POST('/api/doctor/reviews/{reviewId}/report', { params: { path: { reviewId: r._id } }, body: { reason } }));
                }}
              />
            </div>
          </ReviewItem>
        ))}
      </ul>
      {q.hasNextPage && (
        <div>
          <Button variant="secondary" busy={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>
            {t('reviews.more')}
          </Button>
        </div>
      )}
    </section>
  );
}

function ReplyForm({ reviewId }: { reviewId: string }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  if (!open)
    return (
      <Button variant="secondary" onClick={() => setOpen(true)}>
        {t('reviews.replyButton')}
      </Button>
    );
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      unwrap(await api.POST('/api/doctor/reviews/{reviewId}/reply', { params: { path: { reviewId } }, body: { reply: text.trim() } }));
      await qc.invalidateQueries({ queryKey: key });
      setOpen(false);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="dialog stack" onSubmit={submit}>
      <TextArea label={t('reviews.replyLabel')} hint={t('reviews.replyHint')} value={text} onChange={setText} maxLength={2000} />
      <ErrorMessage error={error} />
      <div className="row">
        <Button type="submit" busy={busy} disabled={!text.trim()}>
          {t('reviews.replySend')}
        </Button>
        <Button variant="secondary" onClick={() => setOpen(false)}>
          {t('app.cancel')}
        </Button>
      </div>
    </form>
  );
}
