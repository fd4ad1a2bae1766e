/** The top of a V8 .cpuprofile (`--cpu-prof`): self time per function and per area of the code. */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './constants.js';

/** Self time per function of a V8 .cpuprofile, highest first. */
export function profileTop(file: string, top = 15): string {
  interface Node {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }
  const profileData = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: Node[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profileData.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  profileData.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profileData.timeDeltas[i] ?? 0;
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url
      ? `${url.replace(pathToFileURL(ROOT).href, '').replace(/^file:\/\//, '')}:${lineNumber + 1}`
      : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    if (functionName !== '(idle)') {
      const area = areaOf(functionName, url);
      areas.set(area, (areas.get(area) ?? 0) + dt);
    }
    total += dt;
  });
  const idle = self.get('(idle)') ?? 0;
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const out = [
    `${relative(ROOT, file)}: ${(total / 1e6).toFixed(1)} s sampled, ${((idle / total) * 100).toFixed(1)} % idle`,
    '| self % of busy | self ms | function |',
    '|---:|---:|---|',
  ];
  for (const [key, us] of rows) {
    if (key === '(idle)') continue;
    out.push(`| ${((us / (total - idle)) * 100).toFixed(1)} | ${(us / 1000).toFixed(0)} | \`${key}\` |`);
  }
  out.push('', '| self % of busy | area |', '|---:|---|');
  for (const [area, us] of [...areas.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    out.push(`| ${((us / (total - idle)) * 100).toFixed(1)} | ${area} |`);
  }
  return out.join('\n');
}

/** Where a sampled function lives: V8 itself, a native call, Node's core, an npm package, Anvil. */
function areaOf(functionName: string, url: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : `native (${functionName})`;
  if (url.startsWith('node:')) return 'Node core (http, net, streams, crypto…)';
  const npm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (npm) return `npm: ${npm[1]}`;
  const dist = /\/dist\/(.*)$/.exec(url);
  if (dist?.[1]) return `anvil: ${dist[1].split('/').slice(0, -1).join('/') || dist[1]}`;
  return url;
}
