import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configurationDocs } from '../../src/config/docs.js';
import { loadConfig } from '../../src/config/load.js';
import { errorCatalogue } from '../../src/domain/errors.js';
import { statusOf } from '../../src/http/crest/errors.js';
import { buildTestApp } from '../helpers/app.js';

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

  it('the example configuration in docs/configuration.md loads', () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(read('docs/configuration.md'))?.[1];
    expect(yaml).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'anvil-docs-'));
    try {
      writeFileSync(join(dir, 'anvil.yaml'), yaml as string);
      const config = loadConfig({ file: join(dir, 'anvil.yaml') });
      expect(config.realms.map((r) => r.path)).toContain('/customers/europe');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the example tree in docs/journeys.md loads and passes the tree checks', async () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(read('docs/journeys.md'))?.[1];
    expect(yaml).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'anvil-docs-'));
    try {
      writeFileSync(join(dir, 'trees.yaml'), yaml as string);
      const config = loadConfig({ file: join(dir, 'trees.yaml') });
      const t = await buildTestApp({ config: { trees: config.trees } });
      expect(t.services.config.trees.map((tree) => tree.name)).toEqual(['ThreePage']);
      await t.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the README shows the two set-up commands', () => {
    const readme = read('README.md');
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
