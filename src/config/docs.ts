import { listSettings } from './load.js';

/** `docs/configuration.md`, generated from the schema (`npm run docs:config`); a test keeps it in step. */
export function configurationDocs(): string {
  const rows = listSettings().map(({ path, env, node }) => {
    const type = node.anyOf
      ? node.anyOf.map((n) => JSON.stringify((n as { const?: unknown }).const)).join(' \\| ')
      : node.type === 'array'
        ? `array of ${node.items?.type ?? 'value'}`
        : (node.type ?? 'value');
    const def = node.default === undefined ? '—' : `\`${JSON.stringify(node.default)}\``;
    const envName = path === 'port' ? `\`${env}\`, \`PORT\`` : `\`${env}\``;
    return `| \`${path}\` | ${envName} | ${type} | ${def} | ${(node.description ?? '').replace(/\|/g, '\\|')} |`;
  });
  return `# Configuration

<!-- Generated from src/config/schema.ts by \`npm run docs:config\`; do not edit by hand. -->

Anvil reads its settings, highest precedence first, from command-line options (\`--port\`,
\`--host\`, \`--data-dir\`), \`ANVIL_*\` environment variables, a JSON or YAML file named by
\`--config\`, and the defaults below. The whole configuration is validated at boot: a bad value
stops the server with a message naming the setting.

In a file, settings nest by their dotted path (\`cookie.name\` is \`cookie: { name: … }\`). In the
environment, arrays are JSON (\`["a","b"]\`) or comma-separated, booleans \`true\`/\`false\`.

| setting | environment | type | default | description |
|---|---|---|---|---|
${rows.join('\n')}

## Realms

Each entry of \`realms\` has:

| key | meaning |
|---|---|
| \`path\` | the realm path, e.g. \`/alpha\` or \`/customers/europe\` (parents first); \`/\` configures the root |
| \`aliases\` | bare names usable in URLs and \`?realm=\`; names containing a dot are DNS aliases that select the realm by \`Host\` |
| \`active\` | \`false\` refuses authentication in the realm (AM's 400 \`Invalid Domain DN\`) |
| \`admins\` | user names of this realm who administer its sessions and those of its sub-realms (query, refresh, logout by handle…); \`amAdmin\` administers every realm |
| \`session.maxIdleMinutes\`, \`session.maxSessionMinutes\` | the realm's timeouts (default: the global \`session.*\`) |
| \`session.allowlist\`, \`session.queryProperties\` | the realm's session property lists (default: the global ones) |
| \`session.quota.enabled\`, \`.limit\`, \`.action\` | the realm's session quota; each part not given is inherited from the parent realm, then the global \`session.quota\` |

Example (\`anvil.yaml\`):

\`\`\`yaml
port: 8080
cookie:
  name: iPlanetDirectoryPro
  domains: [example.com]
realms:
  - path: /alpha
    admins: [alice]
    session:
      maxIdleMinutes: 15
      allowlist: [LoginLocation]
      quota: { enabled: true, limit: 5, action: DESTROY_OLDEST_SESSION }
  - path: /bravo
  - path: /customers
    aliases: [customers.example.com]
  - path: /customers/europe
\`\`\`
`;
}
