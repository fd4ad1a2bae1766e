import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import newman, { type NewmanRunExecution, type NewmanRunSummary } from 'newman';
import { SHARED } from './suite.js';
import { type Exchange, formatExchange } from './transcript.js';

/**
 * The Identity Cloud Postman collection (shared/clients/postman, unmodified) run through newman's
 * Node API, and a report of what failed: each failed assertion or request with the request that
 * newman sent and the response it got.
 */

export const POSTMAN_DIR = join(SHARED, 'clients', 'postman');
export const COLLECTION = join(POSTMAN_DIR, 'session-management.postman_collection.json');
export const ENVIRONMENT = join(POSTMAN_DIR, 'local.postman_environment.json');

export const DEMO_USER = 'postmanDemoUser';
export const DEMO_PASSWORD = 'Ch4ng31t!';

interface EnvironmentFile {
  values: Array<{ key: string; value: string; enabled?: boolean; type?: string }>;
  [key: string]: unknown;
}

/**
 * The local environment file; `without` drops variables from it. The file sets
 * `cookieName=iPlanetDirectoryPro`, and in Postman an environment variable outranks the collection
 * variable the Prerequisites folder sets from serverinfo: a server with another cookie name is only
 * read from serverinfo when the environment does not name one.
 */
export function environment(without: string[] = []): EnvironmentFile {
  const file = JSON.parse(readFileSync(ENVIRONMENT, 'utf8')) as EnvironmentFile;
  return { ...file, values: file.values.filter((v) => !without.includes(v.key)) };
}

export interface CollectionRun {
  summary: NewmanRunSummary;
  /** Failed assertions and requests, each with its request and response; '' when none. */
  report: string;
}

export function runCollection(amUrl: string, env: EnvironmentFile = environment()): Promise<CollectionRun> {
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection: COLLECTION,
        environment: env,
        envVar: [{ key: 'amUrl', value: amUrl }],
        reporters: [],
        timeoutRequest: 10_000,
      },
      (error, summary) => {
        if (error) reject(error);
        else resolve({ summary, report: failureReport(summary) });
      },
    );
  });
}

/** Every header newman sent on an execution, by lower-case name (last wins). */
export function sentHeaders(execution: NewmanRunExecution): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const h of execution.request.headers.all()) if (!h.disabled) headers[h.key.toLowerCase()] = h.value;
  return headers;
}

/**
 * A global variable at the end of the run (the collection keeps `authId` and `demoSSOToken` in
 * globals). At run time `summary.globals` is a postman-collection VariableScope, whatever
 * @types/newman says.
 */
export function globalVariable(summary: NewmanRunSummary, key: string): string | undefined {
  const value = (summary.globals as unknown as { get(key: string): unknown }).get(key);
  return typeof value === 'string' ? value : undefined;
}

function failureReport(summary: NewmanRunSummary): string {
  const { failures, executions } = summary.run;
  if (failures.length === 0) return '';
  const lines = [`newman: ${failures.length} failure(s)`];
  for (const failure of failures) {
    const item = failure.source?.name ?? '(unknown item)';
    lines.push(`\n✗ ${item} — ${failure.error.name}: ${failure.error.test ?? ''} ${failure.error.message}`);
    const execution = executions.find((e) => e.item.id === failure.source?.id);
    if (execution) lines.push(formatExchange(toExchange(execution), 'request and response:'));
  }
  return lines.join('\n');
}

function toExchange(execution: NewmanRunExecution): Exchange {
  const { request, response } = execution;
  const requestError = (execution as { requestError?: Error }).requestError;
  const body = request.body?.toString();
  return {
    label: execution.item.name,
    request: {
      method: request.method,
      url: request.url.toString(),
      headers: sentHeaders(execution),
      ...(body ? { body } : {}),
    },
    ...(response
      ? {
          response: {
            status: response.code,
            headers: Object.fromEntries(response.headers.all().map((h) => [h.key, h.value])),
            body: response.text() ?? '',
          },
        }
      : {}),
    ...(requestError ? { error: requestError.message } : {}),
  };
}
