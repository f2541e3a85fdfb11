import { useEffect, useState } from 'react';

/**
 * The current time, read once when the component mounts and again every `stepMs`: a render must not
 * read the clock itself (two renders of the same state would disagree), and a page left open moves
 * an appointment from "upcoming" to "past" on its own.
 */
export function useNow(stepMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), stepMs);
    return () => clearInterval(timer);
  }, [stepMs]);
  return now;
}
