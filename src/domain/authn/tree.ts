/**
 * Authentication trees ("journeys"): named graphs of nodes, per realm. Each node has a `type`,
 * its own settings, and `outcomes` mapping each outcome it can produce to the next node's id, or
 * to one of the two ends, `SUCCESS` and `FAILURE`.
 */
export interface NodeDefinition {
  type: string;
  outcomes?: Readonly<Record<string, string>>;
  readonly [setting: string]: unknown;
}

export interface Tree {
  name: string;
  /** Realm path the tree belongs to; `undefined` for a tree offered in every realm. */
  realm?: string | undefined;
  entry: string;
  nodes: Readonly<Record<string, NodeDefinition>>;
}

export const SUCCESS = 'SUCCESS';
export const FAILURE = 'FAILURE';

/** A page asking for a user name and a password, checked against the realm's identities. */
function usernamePasswordTree(name: string): Tree {
  return {
    name,
    entry: 'page',
    nodes: {
      page: {
        type: 'Page',
        header: 'Sign In',
        nodes: [{ type: 'UsernameCollector' }, { type: 'PasswordCollector' }],
        outcomes: { outcome: 'dataStore' },
      },
      dataStore: { type: 'DataStoreDecision', outcomes: { true: SUCCESS, false: FAILURE } },
    },
  };
}

/** Every realm has these, as Identity Cloud does: `Login` (the realm default) and `PasswordGrant`. */
export function defaultTrees(): Tree[] {
  return [usernamePasswordTree('Login'), usernamePasswordTree('PasswordGrant')];
}

export const DEFAULT_TREE = 'Login';
