// Set when the doctor area is being left on purpose (after a password change ends the session), so the
// area renders nothing instead of its role guard's redirect. Cleared on the next sign-in.
import { useSyncExternalStore } from 'react';
import { session } from '../../auth/store';

let leaving = false;
const listeners = new Set<() => void>();

export function leaveArea(): void {
  leaving = true;
  for (const fn of listeners) fn();
}

session.subscribe((s) => {
  if (s.status === 'signed-in' && leaving) {
    leaving = false;
    for (const fn of listeners) fn();
  }
});

export function useLeaving(): boolean {
  return useSyncExternalStore(
    (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    () => leaving,
  );
}
