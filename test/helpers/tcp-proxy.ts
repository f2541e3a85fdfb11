// A TCP proxy a test controls, in front of PostgreSQL or Redis:
//   - `cut()` drops every open connection and refuses new ones (the server "goes away");
//   - `freeze()` keeps every connection open and accepts new ones, but forwards nothing in either
//     direction (a network that silently stops: no reset, no FIN, the worst case for timeouts);
//   - `restore()` lets traffic through again (after a freeze, what was held back is delivered).
import net from 'node:net';

export interface TcpProxy {
  port: number;
  cut(): void;
  freeze(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let open = true;
  let frozen = false;
  const sockets = new Set<net.Socket>();
  // bytes held back while frozen, per destination socket, in order
  const held = new Map<net.Socket, Buffer[]>();

  const forward = (from: net.Socket, to: net.Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (frozen) {
        const queue = held.get(to) ?? [];
        queue.push(chunk);
        held.set(to, queue);
      } else if (!to.destroyed) {
        to.write(chunk);
      }
    });
    from.on('close', () => to.destroy());
  };

  const server = net.createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => {
        sockets.delete(s);
        held.delete(s);
      });
      s.on('error', () => undefined);
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    cut() {
      open = false;
      frozen = false;
      held.clear();
      for (const s of sockets) s.destroy();
    },
    freeze() {
      frozen = true;
    },
    restore() {
      open = true;
      frozen = false;
      for (const [to, queue] of held) if (!to.destroyed) for (const chunk of queue) to.write(chunk);
      held.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        open = false;
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
