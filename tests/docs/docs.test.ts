import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configurationDocs } from '../../src/config/docs.js';
import { errorCatalogue } from '../../src/domain/errors.js';
import { statusOf } from '../../src/http/crest/errors.js';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

describe('docs stay true', () => {
  it('docs/errors.md lists exactly the catalogue kinds with their statuses', () => {
    const rows = [...read('docs/errors.md').matchAll(/^\| `(\w+)` \| (\d{3}) \|/gm)].map((m) => [
      m[1],
      Number(m[2]),
    ]);
    const expected = Object.keys(errorCatalogue).map((kind) => [
      kind,
      statusOf[kind as keyof typeof statusOf],
    ]);
    expect(rows).toEqual(expected);
  });

  it('docs/configuration.md is generated from the schema (run `npm run docs:config`)', () => {
    expect(read('docs/configuration.md')).toBe(configurationDocs());
  });

  it('the README shows the two set-up commands', () => {
    const readme = read('README.md');
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
