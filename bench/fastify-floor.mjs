// The framework floor: Fastify 5 set up the way Anvil sets it up for `/json/*` (no request
// logging, bodies kept as text by one catch-all parser, one route for every method), answering
// bare-server.mjs's fixed body. Anvil cannot be faster than this; bare node:http minus this is
// what the framework costs, this minus Anvil is what Anvil's own work costs.
//
//   node bench/fastify-floor.mjs <port>   → prints "listening <port>" once ready; stops on SIGTERM.
import Fastify from 'fastify';

const BODY = '{"hello":"world"}';
// Fastify keeps idle connections for 72 s by default, as bare-server.mjs does.
const app = Fastify({ logger: false, bodyLimit: 102_400 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
app.all('/*', async (_request, reply) =>
  reply.header('content-type', 'application/json; charset=UTF-8').send(BODY),
);

const port = Number(process.argv[2] ?? 0);
await app.listen({ port, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : port}\n`);
process.once('SIGTERM', () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
