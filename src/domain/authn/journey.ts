import { fail } from '../errors.js';
import type { Realm } from '../realms/realm.js';
import type { Callback } from './callbacks.js';
import { INNER_TREE, nodeTypes, PAGE } from './nodes/index.js';
import type { JourneyData, NodeContext, NodeResult, NodeServices } from './nodes/types.js';
import { FAILURE, type NodeDefinition, SUCCESS, type Tree } from './tree.js';
import type { TreeCatalog } from './tree-catalog.js';

/** What the first request asked for, kept for the rest of the journey. */
export interface JourneyRequest {
  /** The tree that was asked for (the session's `Service` property). */
  service: string;
  noSession?: boolean;
  /** The session being upgraded (`sessionUpgradeSSOTokenId`, or the caller's own with ForceAuth). */
  upgradeToken?: string;
  goto?: string;
  gotoOnFail?: string;
}

/** Where a journey stands: a stack of trees (inner trees push) and what it has collected. */
export interface JourneyState {
  realm: string;
  /** When the journey began (ms): its maximum duration counts from here, not from each step. */
  startedAt: number;
  frames: { tree: string; node: string }[];
  data: JourneyData;
  request: JourneyRequest;
}

export type PageResult = Extract<NodeResult, { callbacks: Callback[] }>;

export type JourneyResult =
  | ({ kind: 'page'; state: JourneyState } & PageResult)
  | { kind: 'success'; username: string; data: JourneyData }
  | { kind: 'failure'; locked: boolean };

const MAX_STEPS = 200;
/** `nodeState` key holding the callback types last shown, to check a submission before it runs. */
const SHOWN = '__shown';

export function newJourney(
  realm: Realm,
  tree: Tree,
  request: Omit<JourneyRequest, 'service'>,
  now: number,
): JourneyState {
  return {
    realm: realm.path,
    startedAt: now,
    frames: [{ tree: tree.name, node: tree.entry }],
    data: { attributes: {}, sessionProperties: {}, nodeState: {} },
    request: { service: tree.name, ...request },
  };
}

/** Runs a journey from where it stands until it needs the client or ends. */
export async function runJourney(
  catalog: TreeCatalog,
  realm: Realm,
  state: JourneyState,
  services: NodeServices,
  submitted?: Callback[],
): Promise<JourneyResult> {
  const current: JourneyState = structuredClone(state);
  let input = submitted;
  for (let steps = 0; steps < MAX_STEPS; steps += 1) {
    const frame = current.frames[current.frames.length - 1];
    if (!frame) return fail('Internal', 'journey without a tree');
    if (frame.node === SUCCESS || frame.node === FAILURE) {
      const succeeded = frame.node === SUCCESS;
      current.frames.pop();
      const parent = current.frames[current.frames.length - 1];
      if (!parent) {
        if (!succeeded || !current.data.username)
          return { kind: 'failure', locked: current.data.locked === true };
        return { kind: 'success', username: current.data.username, data: current.data };
      }
      parent.node = next(catalog, realm, parent, succeeded ? 'true' : 'false');
      continue;
    }
    const tree = catalog.require(realm.path, frame.tree);
    const definition = nodeOf(tree, frame.node);
    if (definition.type === INNER_TREE) {
      const inner = catalog.require(realm.path, String(definition.tree));
      current.frames.push({ tree: inner.name, node: inner.entry });
      continue;
    }
    const ctx: NodeContext = {
      realm,
      data: current.data,
      input,
      key: `${current.frames.length}:${tree.name}:${frame.node}`,
      services,
    };
    const result = definition.type === PAGE ? await runPage(definition, ctx) : await runNode(definition, ctx);
    input = undefined;
    if ('callbacks' in result) {
      current.data.nodeState[SHOWN] = result.callbacks.map((c) => c.type);
      return { kind: 'page', state: current, ...result };
    }
    frame.node = next(catalog, realm, frame, result.outcome);
  }
  return fail('Internal', `the journey did not end within ${MAX_STEPS} nodes`);
}

/**
 * Refuses (400) a submission that does not answer the callbacks last shown: checked before the
 * `authId` is spent, so a client can correct a malformed request. A step of redirects alone may
 * be continued without callbacks.
 */
export function checkSubmission(state: JourneyState, submitted: Callback[]): void {
  const shown = state.data.nodeState[SHOWN];
  if (!Array.isArray(shown)) return;
  // Back from a redirect, a client may post only the `authId`: AM goes on without callbacks.
  if (submitted.length === 0 && shown.length > 0 && shown.every((type) => type === 'RedirectCallback'))
    return;
  if (submitted.length !== shown.length)
    fail('BadRequest', 'Incorrect number of callbacks found in JSON response');
  shown.forEach((type, index) => {
    if (submitted[index]?.type !== type) fail('BadRequest', 'Required callback not found in JSON response');
  });
}

/** True when the first step asks only for a user name and/or a password: zero-page login answers it. */
export function isZeroPageCandidate(result: JourneyResult): boolean {
  return (
    result.kind === 'page' &&
    result.callbacks.length > 0 &&
    result.callbacks.every((c) => c.type === 'NameCallback' || c.type === 'PasswordCallback')
  );
}

function runNode(definition: NodeDefinition, ctx: NodeContext): Promise<NodeResult> {
  const type = nodeTypes[definition.type];
  if (!type) return fail('Internal', `unknown node type ${definition.type}`);
  return type.process(definition, ctx);
}

/**
 * A Page shows the callbacks of all its nodes at once; the answers are dealt back to each node in
 * order, and the page takes the outcome of its last node. If any node asks again (a required
 * value left empty, a failed policy, `validateOnly`), the whole page is shown again: every node
 * has read its answers, those that asked again show what they returned (their `failedPolicies`),
 * the others are shown afresh.
 */
async function runPage(page: NodeDefinition, ctx: NodeContext): Promise<NodeResult> {
  const children = (page.nodes ?? []) as NodeDefinition[];
  const meta = {
    ...(typeof page.header === 'string' ? { header: page.header } : {}),
    ...(typeof page.description === 'string' ? { description: page.description } : {}),
    ...(typeof page.stage === 'string' ? { stage: page.stage } : {}),
  };
  const render = async (asked: readonly (Callback[] | undefined)[] = []): Promise<NodeResult> => {
    const callbacks: Callback[] = [];
    const layout: number[] = [];
    for (const [i, child] of children.entries()) {
      let shown = asked[i];
      if (!shown) {
        const result = await runNode(child, { ...ctx, input: undefined, key: `${ctx.key}/${i}` });
        if (!('callbacks' in result)) return fail('Internal', `page node ${child.type} showed no callbacks`);
        shown = result.callbacks;
      }
      callbacks.push(...shown);
      layout.push(shown.length);
    }
    ctx.data.nodeState[ctx.key] = layout;
    return { callbacks, ...meta };
  };
  const layout = ctx.data.nodeState[ctx.key];
  if (!ctx.input || !Array.isArray(layout)) return render();
  let offset = 0;
  let outcome = 'outcome';
  const asked: (Callback[] | undefined)[] = [];
  for (const [i, child] of children.entries()) {
    const count = layout[i] as number;
    const answers = ctx.input.slice(offset, offset + count);
    offset += count;
    const result = await runNode(child, { ...ctx, input: answers, key: `${ctx.key}/${i}` });
    if ('callbacks' in result) asked[i] = result.callbacks;
    else outcome = result.outcome;
  }
  if (asked.some((callbacks) => callbacks !== undefined)) return render(asked);
  delete ctx.data.nodeState[ctx.key];
  return { outcome };
}

function nodeOf(tree: Tree, id: string): NodeDefinition {
  const node = tree.nodes[id];
  if (!node) return fail('Internal', `tree ${tree.name} has no node ${id}`);
  return node;
}

function next(
  catalog: TreeCatalog,
  realm: Realm,
  frame: { tree: string; node: string },
  outcome: string,
): string {
  const node = nodeOf(catalog.require(realm.path, frame.tree), frame.node);
  const target = node.outcomes?.[outcome];
  if (target === undefined)
    return fail('Internal', `node ${frame.node} of ${frame.tree} has no outcome ${outcome}`);
  return target;
}
