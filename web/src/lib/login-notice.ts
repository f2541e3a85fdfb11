// A message for the next login page, when the page that has it cannot pass it in the navigation
// state: a deleted account is signed out by the server, and whichever request notices first (a
// background query, the live stream) may be what sends the browser to the login page.
import type { MessageKey } from '../i18n/en';

const KEY = 'prescripto.loginNotice';

export function setLoginNotice(message: MessageKey): void {
  sessionStorage.setItem(KEY, message);
}

/** The message left for this login page, once. */
export function takeLoginNotice(): MessageKey | undefined {
  const message = sessionStorage.getItem(KEY);
  sessionStorage.removeItem(KEY);
  return (message as MessageKey | null) ?? undefined;
}
