/**
 * Authentication trees ("journeys"): named graphs of nodes per realm. A page node shows
 * callbacks; decision nodes pick the next node from what was collected; Success and Failure end
 * the journey.
 */
export type CollectorNode = { type: 'UsernameCollector' } | { type: 'PasswordCollector' };

export type TreeNode =
  | {
      type: 'Page';
      nodes: CollectorNode[];
      header?: string;
      description?: string;
      stage?: string;
      next: string;
    }
  | { type: 'DataStoreDecision'; true: string; false: string }
  | { type: 'Success' }
  | { type: 'Failure' };

export interface Tree {
  name: string;
  entry: string;
  nodes: Readonly<Record<string, TreeNode>>;
}

/** A page asking for a user name and a password, checked against the realm's identities. */
function usernamePasswordTree(name: string): Tree {
  return {
    name,
    entry: 'page',
    nodes: {
      page: {
        type: 'Page',
        nodes: [{ type: 'UsernameCollector' }, { type: 'PasswordCollector' }],
        header: 'Sign In',
        next: 'dataStore',
      },
      dataStore: { type: 'DataStoreDecision', true: 'success', false: 'failure' },
      success: { type: 'Success' },
      failure: { type: 'Failure' },
    },
  };
}

/** Every realm has these, as Identity Cloud does: `Login` (the realm default) and `PasswordGrant`. */
export function defaultTrees(): Tree[] {
  return [usernamePasswordTree('Login'), usernamePasswordTree('PasswordGrant')];
}

export const DEFAULT_TREE = 'Login';
