// Baseline for `list`: a bare node:http server answering every request with the very same bytes
// (and headers) the API sends for GET /api/doctor/list. `node --import tsx … <port> <body-file>`.
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [port, file] = process.argv.slice(2);
const body = readFileSync(file);
const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length), 'cache-control': 'no-cache', etag: '"baseline"' };
http.createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
