// Baseline for `login`: a bare node:http server that, per request, reads the JSON body and runs
// bcrypt.compare at cost 10 on the libuv thread pool (same UV_THREADPOOL_SIZE as the API), then
// answers a small JSON. `node --import tsx … <port> <bcrypt-hash>`.
import http from 'node:http';
import bcrypt from 'bcrypt';

const [port, hash] = process.argv.slice(2);
http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const { password } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { password: string };
    void bcrypt.compare(password, hash).then((ok) => {
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: ok, token: 'baseline' }));
    });
  });
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
