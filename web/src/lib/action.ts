// One user action at a time (a button or a form): busy while it runs, its error kept for the page
// to show, cleared when the next one starts.
import { useState } from 'react';

export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  /** Runs `work`; resolves true when it succeeded, false when it failed (the error is kept). */
  const run = async (work: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}
