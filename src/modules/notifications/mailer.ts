// SMTP delivery through nodemailer (SMTP_URL). Without SMTP_URL there is no mailer: the worker
// marks messages `logged` and they stay readable in the outbox (admin endpoint) for development.
import type { Transporter, TransportOptions } from 'nodemailer';
import { lazy } from '../../lib/lazy.js';
import type { OutboxRow } from './tables.js';

export interface Mailer {
  /** Sends one outbox message; resolves once the SMTP server accepted it, rejects otherwise. */
  send(msg: OutboxRow): Promise<void>;
  close(): void;
}

/**
 * One SMTP connection kept open and reused for message after message (nodemailer's pool, one
 * connection: the worker sends one message at a time), instead of a connection, greeting and
 * goodbye per message: about 3 ms a message instead of about 100 against a local server. A
 * connection the server dropped is replaced at the next message. `timeoutMs` bounds each step
 * (connecting, the greeting, any wait on the socket). `SMTP_URL` can override any of it in its query
 * (`?pool=false`).
 */
export function createSmtpMailer(smtpUrl: string, from: string, timeoutMs = 10_000): Mailer {
  // nodemailer is loaded with the first message, not at start (see lib/lazy.ts)
  let made: Transporter | undefined;
  const transport = lazy(async () => {
    const nodemailer = (await import('nodemailer')).default;
    made = nodemailer.createTransport(
      { url: smtpUrl, pool: true, maxConnections: 1, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs } as TransportOptions,
      { from },
    );
    return made;
  });
  return {
    async send(msg) {
      await (await transport()).sendMail({
        from,
        to: msg.recipient,
        subject: msg.subject,
        text: msg.textBody,
        ...(msg.htmlBody ? { html: msg.htmlBody } : {}),
        // text/calendar alternative with METHOD, plus an .ics attachment for clients that only
        // look at attachments
        ...(msg.ics
          ? {
              icalEvent: { method: msg.icsMethod ?? 'REQUEST', content: msg.ics, filename: 'invite.ics' },
            }
          : {}),
        messageId: msg.messageId,
        headers: { 'X-Prescripto-Topic': msg.topic },
      });
    },
    close() {
      made?.close();
    },
  };
}
