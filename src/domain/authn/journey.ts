import { fail } from '../errors.js';
import type { Identity } from '../identity/identity.js';
import type { IdentityService } from '../identity/identity-service.js';
import type { Realm } from '../realms/realm.js';
import { type Callback, inputString, nameCallback, passwordCallback } from './callbacks.js';
import type { CollectorNode, Tree, TreeNode } from './tree.js';

/** What survives between two requests of a journey: carried, signed, in the `authId`. */
export interface JourneyState {
  realm: string;
  tree: string;
  /** The page node waiting for the client's input. */
  node: string;
  /** Values collected so far. Never holds a password. */
  shared: { username?: string };
}

/** Values that live only for one request (passwords). */
interface Transient {
  password?: string;
  identity?: Identity;
}

export type JourneyResult =
  | {
      kind: 'page';
      state: JourneyState;
      callbacks: Callback[];
      header?: string;
      description?: string;
      stage?: string;
    }
  | { kind: 'success'; identity: Identity }
  | { kind: 'failure' };

const MAX_STEPS = 100;

/** Runs a tree from a node until it needs input from the client or ends. */
export async function runJourney(
  tree: Tree,
  realm: Realm,
  state: JourneyState,
  identities: IdentityService,
  submitted?: Callback[],
): Promise<JourneyResult> {
  const transient: Transient = {};
  let input = submitted;
  let current = { ...state, shared: { ...state.shared } };
  for (let steps = 0; steps < MAX_STEPS; steps += 1) {
    const node = nodeOf(tree, current.node);
    switch (node.type) {
      case 'Page': {
        if (!input) return { kind: 'page', state: current, ...renderPage(node) };
        collect(node.nodes, input, current, transient);
        input = undefined;
        current = { ...current, node: node.next };
        break;
      }
      case 'DataStoreDecision': {
        const check = await identities.checkCredentials(
          realm,
          current.shared.username ?? '',
          transient.password ?? '',
        );
        if (check.outcome === 'success') transient.identity = check.identity;
        current = { ...current, node: check.outcome === 'success' ? node.true : node.false };
        break;
      }
      case 'Success': {
        if (!transient.identity) return { kind: 'failure' };
        return { kind: 'success', identity: transient.identity };
      }
      case 'Failure':
        return { kind: 'failure' };
    }
  }
  return fail('Internal', `Tree ${tree.name} did not end within ${MAX_STEPS} nodes`);
}

function nodeOf(tree: Tree, id: string): TreeNode {
  const node = tree.nodes[id];
  if (!node) return fail('Internal', `Tree ${tree.name} has no node ${id}`);
  return node;
}

function renderPage(page: Extract<TreeNode, { type: 'Page' }>) {
  const callbacks = page.nodes.map(callbackFor);
  return {
    callbacks,
    ...(page.header === undefined ? {} : { header: page.header }),
    ...(page.description === undefined ? {} : { description: page.description }),
    ...(page.stage === undefined ? {} : { stage: page.stage }),
  };
}

function callbackFor(node: CollectorNode): Callback {
  switch (node.type) {
    case 'UsernameCollector':
      return nameCallback();
    case 'PasswordCollector':
      return passwordCallback();
  }
}

/** Reads the client's answers to a page: same count and the same types, in order, as AM checks. */
function collect(
  nodes: CollectorNode[],
  submitted: Callback[],
  state: JourneyState,
  transient: Transient,
): void {
  checkShape(nodes, submitted);
  nodes.forEach((node, index) => {
    const answer = submitted[index];
    if (node.type === 'UsernameCollector') state.shared.username = inputString(answer);
    if (node.type === 'PasswordCollector') transient.password = inputString(answer);
  });
}

function checkShape(nodes: CollectorNode[], submitted: Callback[]): void {
  if (submitted.length !== nodes.length) {
    fail('BadRequest', 'Incorrect number of callbacks found in JSON response');
  }
  nodes.forEach((node, index) => {
    if (submitted[index]?.type !== callbackFor(node).type) {
      fail('BadRequest', 'Required callback not found in JSON response');
    }
  });
}

/**
 * Refuses (400) a submission that does not answer the waiting page: checked before the `authId`
 * is spent, so a client can correct a malformed request.
 */
export function checkSubmission(tree: Tree, state: JourneyState, submitted: Callback[]): void {
  const node = nodeOf(tree, state.node);
  if (node.type === 'Page') checkShape(node.nodes, submitted);
}

/** True when a page asks only for a user name and/or a password: zero-page login can answer it. */
export function isZeroPageCandidate(result: JourneyResult): boolean {
  return (
    result.kind === 'page' &&
    result.callbacks.length > 0 &&
    result.callbacks.every((c) => c.type === 'NameCallback' || c.type === 'PasswordCallback')
  );
}
