// A real SMTP server for tests (the `smtp-server` package on 127.0.0.1), recording every message it
// accepts, parsed with mailparser. `reject` makes it refuse recipients (a failing mail provider).
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** envelope recipients */
  rcpt: string[];
  mail: ParsedMail;
  raw: string;
}

export interface TestSmtp {
  url: string;
  received: ReceivedMail[];
  /** SMTP connections opened to it so far */
  connections: number;
  /** recipients the server refuses with a 550 while this returns true */
  reject: (address: string) => boolean;
  /** resolves once `n` messages arrived in total */
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtp(): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const state: TestSmtp = {
    url: '',
    connections: 0,
    received,
    reject: () => false,
    waitFor: (n) =>
      received.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onConnect(_session, cb) {
      state.connections++;
      cb();
    },
    onRcptTo(address, _session, cb) {
      if (state.reject(address.address)) {
        const err = new Error('mailbox unavailable') as Error & { responseCode: number };
        err.responseCode = 550;
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (mail) => {
            received.push({ rcpt: session.envelope.rcptTo.map((r) => r.address), mail, raw: raw.toString('utf8') });
            for (const w of waiters.splice(0)) {
              if (received.length >= w.n) w.resolve();
              else waiters.push(w);
            }
            cb();
          },
          (err: Error) => cb(err),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return state;
}
