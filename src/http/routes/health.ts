import type { FastifyInstance } from 'fastify';
import type { Services } from '../context.js';

/**
 * Liveness for load balancers and orchestrators: AM's `/isAlive.jsp` and `/json/health/*`,
 * and Identity Cloud's `/monitoring/health`. None of them needs a session.
 */
export function registerHealth(app: FastifyInstance, services: Services) {
  const base = services.config.deploymentPath;
  app.get(`${base}/isAlive.jsp`, async (_request, reply) =>
    reply
      .header('content-type', 'text/html; charset=UTF-8')
      .header('cache-control', 'no-store')
      .send('Server is ALIVE: '),
  );
  const ok = async (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply
      .header('content-type', 'application/json; charset=UTF-8')
      .header('cache-control', 'no-store')
      .send('{"status":"UP"}');
  app.get(`${base}/json/health/live`, ok);
  app.get(`${base}/json/health/ready`, ok);
  app.get('/monitoring/health', ok);
}
