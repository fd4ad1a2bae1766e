/**
 * AM's valid goto resources: a `goto`/`gotoOnFail` URL is used only when it matches one of the
 * configured patterns (`*` matches any run of characters); otherwise it is ignored.
 */
export function allowedGoto(url: string | undefined, patterns: readonly string[]): string | undefined {
  if (url === undefined || url === '') return undefined;
  return patterns.some((pattern) => toRegExp(pattern).test(url)) ? url : undefined;
}

function toRegExp(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}
