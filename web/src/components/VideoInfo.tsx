// The consultation mode of an appointment and, for a video call, its link once the server hands it
// out (from a few minutes before the start) or when it will. The page refetches when the link opens,
// so it appears without a reload.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useI18n } from '../i18n';

export interface VideoFields {
  mode: 'in_person' | 'video';
  videoLink: string | null;
  videoOpensAt: string | null;
  status: string;
}

const DAY = 24 * 3600_000;

/** `modeOnly`: for the admin, who is not a party to the call and never gets its link. */
export function VideoInfo({ a, refetchKey, timeZone, modeOnly }: { a: VideoFields; refetchKey?: readonly unknown[]; timeZone?: string; modeOnly?: boolean }) {
  const { t, date, time } = useI18n();
  const qc = useQueryClient();
  const waiting = !modeOnly && a.mode === 'video' && !a.videoLink && a.videoOpensAt !== null && (a.status === 'pending' || a.status === 'confirmed');
  const opensAt = a.videoOpensAt;
  useEffect(() => {
    if (!waiting || !opensAt || !refetchKey) return;
    const wait = new Date(opensAt).getTime() - Date.now();
    if (wait <= 0 || wait > DAY) return;
    const timer = setTimeout(() => void qc.invalidateQueries({ queryKey: refetchKey }), wait + 500);
    return () => clearTimeout(timer);
  }, [waiting, opensAt, refetchKey, qc]);

  return (
    <p className="video-info">
      {t('mode.label')}: <strong>{t(a.mode === 'video' ? 'mode.video' : 'mode.in_person')}</strong>
      {a.videoLink && (
        <>
          {' · '}
          <a href={a.videoLink} target="_blank" rel="noopener noreferrer">
            {t('video.join')}
          </a>
        </>
      )}
      {waiting && opensAt && (
        <>
          <br />
          <span className="muted">{t('video.opensAt', { date: date(opensAt, { timeZone, weekday: true }), time: time(opensAt, timeZone) })}</span>
        </>
      )}
    </p>
  );
}
