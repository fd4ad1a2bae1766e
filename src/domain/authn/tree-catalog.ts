import { fail } from '../errors.js';
import { INNER_TREE, nodeTypes, PAGE } from './nodes/index.js';
import { FAILURE, type NodeDefinition, SUCCESS, type Tree } from './tree.js';

const RETRY_LIMIT = 'RetryLimitDecision';

export class TreeDefinitionError extends Error {
  override name = 'TreeDefinitionError';
}

/**
 * The trees of every realm: realm-specific trees first, then the trees offered everywhere.
 * Built once at boot; every tree is checked (types, settings, outcomes, targets, inner-tree
 * cycles) and a bad one stops the boot with a message naming the tree and node.
 */
export class TreeCatalog {
  readonly #global = new Map<string, Tree>();
  readonly #byRealm = new Map<string, Map<string, Tree>>();
  readonly #savesRetryCount = new Map<string, boolean>();

  constructor(trees: readonly Tree[]) {
    for (const tree of trees) {
      const map = tree.realm === undefined ? this.#global : this.#realmMap(tree.realm);
      map.set(tree.name.toLowerCase(), tree);
    }
    const problems = trees.flatMap((tree) => this.#check(tree));
    if (problems.length > 0) throw new TreeDefinitionError(`Invalid trees:\n- ${problems.join('\n- ')}`);
  }

  #realmMap(realm: string): Map<string, Tree> {
    const key = realm.toLowerCase();
    const map = this.#byRealm.get(key) ?? new Map<string, Tree>();
    this.#byRealm.set(key, map);
    return map;
  }

  /** The tree of that name in the realm (case-insensitive), if any. */
  get(realm: string, name: string): Tree | undefined {
    const key = name.toLowerCase();
    return this.#byRealm.get(realm.toLowerCase())?.get(key) ?? this.#global.get(key);
  }

  require(realm: string, name: string): Tree {
    return this.get(realm, name) ?? fail('NoConfiguration');
  }

  /**
   * Whether the tree (or a tree it calls) has a Retry Limit Decision node that saves its count to
   * the user: AM resets that count after a successful login with such a journey, and only then.
   */
  savesRetryCount(realm: string, name: string): boolean {
    const key = `${realm.toLowerCase()}\u0000${name.toLowerCase()}`;
    let saves = this.#savesRetryCount.get(key);
    if (saves === undefined) {
      saves = this.#callsRetryLimit(realm, name, new Set());
      this.#savesRetryCount.set(key, saves);
    }
    return saves;
  }

  #callsRetryLimit(realm: string, name: string, seen: Set<string>): boolean {
    const tree = this.get(realm, name);
    if (!tree || seen.has(name.toLowerCase())) return false;
    seen.add(name.toLowerCase());
    return Object.values(tree.nodes).some((node) =>
      node.type === INNER_TREE
        ? typeof node.tree === 'string' && this.#callsRetryLimit(realm, node.tree, seen)
        : node.type === RETRY_LIMIT && node.saveRetryLimitToUser !== false,
    );
  }

  #check(tree: Tree): string[] {
    const where = `tree ${tree.name}${tree.realm ? ` (${tree.realm})` : ''}`;
    const problems: string[] = [];
    if (!tree.nodes[tree.entry]) problems.push(`${where}: entry node "${tree.entry}" is not defined`);
    for (const [id, node] of Object.entries(tree.nodes)) {
      const at = `${where}, node ${id}`;
      if (id === SUCCESS || id === FAILURE) problems.push(`${at}: ${id} is reserved for the end of the tree`);
      const outcomes = this.#outcomesOf(node, at, problems, tree);
      if (outcomes === undefined) continue;
      const mapped = Object.keys(node.outcomes ?? {});
      for (const outcome of outcomes) {
        if (!mapped.includes(outcome)) problems.push(`${at}: outcome "${outcome}" leads nowhere`);
      }
      for (const outcome of mapped) {
        if (!outcomes.includes(outcome)) problems.push(`${at}: ${node.type} has no outcome "${outcome}"`);
        const target = node.outcomes?.[outcome] as string;
        if (target !== SUCCESS && target !== FAILURE && !tree.nodes[target]) {
          problems.push(`${at}: outcome "${outcome}" leads to unknown node "${target}"`);
        }
      }
    }
    const cycle = this.#innerCycle(tree, [tree.name.toLowerCase()]);
    if (cycle) problems.push(`${where}: inner trees call each other in a cycle (${cycle})`);
    return problems;
  }

  #outcomesOf(
    node: NodeDefinition,
    at: string,
    problems: string[],
    tree: Tree,
  ): readonly string[] | undefined {
    if (node.type === PAGE) {
      const children = node.nodes;
      if (!Array.isArray(children) || children.length === 0) {
        problems.push(`${at}: a Page needs "nodes", a non-empty list`);
        return undefined;
      }
      let last: readonly string[] = [];
      for (const [i, child] of (children as NodeDefinition[]).entries()) {
        const type = nodeTypes[child?.type];
        if (!type?.collector) {
          problems.push(`${at}: page node ${i + 1} (${child?.type}) cannot sit in a Page`);
          return undefined;
        }
        problems.push(...(type.check?.(child) ?? []).map((p) => `${at}, page node ${i + 1}: ${p}`));
        last = type.outcomes(child);
        if (i < children.length - 1 && last.length !== 1) {
          problems.push(`${at}: only the last node of a Page may have several outcomes`);
        }
      }
      return last;
    }
    if (node.type === INNER_TREE) {
      if (typeof node.tree !== 'string' || !this.get(tree.realm ?? '', node.tree)) {
        problems.push(`${at}: InnerTreeEvaluator names no known tree ("tree": ${JSON.stringify(node.tree)})`);
      }
      return ['true', 'false'];
    }
    const type = nodeTypes[node.type];
    if (!type) {
      problems.push(`${at}: unknown node type "${node.type}"`);
      return undefined;
    }
    problems.push(...(type.check?.(node) ?? []).map((p) => `${at}: ${p}`));
    return type.outcomes(node);
  }

  #innerCycle(tree: Tree, path: string[]): string | undefined {
    for (const node of Object.values(tree.nodes)) {
      if (node.type !== INNER_TREE || typeof node.tree !== 'string') continue;
      const name = node.tree.toLowerCase();
      if (path.includes(name)) return [...path, name].join(' → ');
      const inner = this.get(tree.realm ?? '', node.tree);
      const found = inner ? this.#innerCycle(inner, [...path, name]) : undefined;
      if (found) return found;
    }
    return undefined;
  }
}
