import type { Quota } from '../domain/sessions/store.js';

export interface LiveSessionKey {
  id: string;
  expiresAt: number;
  creationTime: number;
}

/**
 * Which of a user's live sessions a new login evicts under a quota: `[]` when there is room,
 * `undefined` when the login is denied. Shared by every store so they all choose alike.
 */
export function chooseEvictions(live: readonly LiveSessionKey[], quota: Quota): string[] | undefined {
  if (live.length < quota.limit) return [];
  switch (quota.action) {
    case 'DENY_ACCESS':
      return undefined;
    case 'DESTROY_ALL':
      return live.map((s) => s.id);
    case 'DESTROY_NEXT_EXPIRING':
      return pickFirst(live, (a, b) => a.expiresAt - b.expiresAt, live.length - quota.limit + 1);
    case 'DESTROY_OLDEST_SESSION':
      return pickFirst(live, (a, b) => a.creationTime - b.creationTime, live.length - quota.limit + 1);
  }
}

function pickFirst(
  live: readonly LiveSessionKey[],
  order: (a: LiveSessionKey, b: LiveSessionKey) => number,
  count: number,
): string[] {
  return [...live]
    .sort((a, b) => order(a, b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, count)
    .map((s) => s.id);
}
