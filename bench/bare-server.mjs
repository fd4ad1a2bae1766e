// The baseline: a bare node:http server answering one fixed JSON body to every request, after
// reading the request body (as a real handler would). Every Anvil figure is compared with this
// server measured by the same load generator in the same run.
//
//   node bench/bare-server.mjs <port>   → prints "listening <port>" once ready; stops on SIGTERM.
import { createServer } from 'node:http';

const BODY = Buffer.from('{"hello":"world"}');
const HEADERS = {
  'content-type': 'application/json; charset=UTF-8',
  'content-length': String(BODY.length),
};

const server = createServer((request, response) => {
  request.on('data', () => {});
  request.on('end', () => {
    response.writeHead(200, HEADERS);
    response.end(BODY);
  });
});
// Anvil (Fastify) keeps idle connections for 72 s; match it so neither side reconnects mid-run.
server.keepAliveTimeout = 72_000;

const port = Number(process.argv[2] ?? 0);
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : port}\n`);
});
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
