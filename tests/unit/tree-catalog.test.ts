import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.js';
import {
  defaultTrees,
  FAILURE,
  type NodeDefinition,
  SUCCESS,
  type Tree,
} from '../../src/domain/authn/tree.js';
import { TreeCatalog, TreeDefinitionError } from '../../src/domain/authn/tree-catalog.js';
import { AnvilError } from '../../src/domain/errors.js';
import { buildTestApp } from '../helpers/app.js';

/** A tree with a single node besides a valid user name + password page. */
function tree(
  name: string,
  nodes: Record<string, NodeDefinition>,
  entry = Object.keys(nodes)[0] as string,
): Tree {
  return { name, entry, nodes };
}

const login = (name: string, realm?: string): Tree => ({
  name,
  ...(realm === undefined ? {} : { realm }),
  entry: 'page',
  nodes: {
    page: {
      type: 'Page',
      nodes: [{ type: 'UsernameCollector' }, { type: 'PasswordCollector' }],
      outcomes: { outcome: 'check' },
    },
    check: { type: 'DataStoreDecision', outcomes: { true: SUCCESS, false: FAILURE } },
  },
});

const inner = (name: string, target: string, realm?: string): Tree => ({
  name,
  ...(realm === undefined ? {} : { realm }),
  entry: 'call',
  nodes: { call: { type: 'InnerTreeEvaluator', tree: target, outcomes: { true: SUCCESS, false: FAILURE } } },
});

/** The TreeDefinitionError the catalog throws for these trees (fails the test when it does not throw). */
function definitionError(...trees: Tree[]): TreeDefinitionError {
  try {
    new TreeCatalog([...defaultTrees(), ...trees]);
  } catch (error) {
    if (error instanceof TreeDefinitionError) return error;
    throw error;
  }
  throw new Error('expected a TreeDefinitionError');
}

describe('TreeCatalog validation (a bad tree stops the boot)', () => {
  it('accepts the built-in trees and a tree using every node type', () => {
    const everything: Tree = {
      name: 'Everything',
      entry: 'p1',
      nodes: {
        p1: {
          type: 'Page',
          header: 'One',
          nodes: [
            { type: 'UsernameCollector' },
            { type: 'PasswordCollector' },
            { type: 'AttributeCollector', attributes: ['mail', { name: 'optIn', type: 'boolean' }] },
            { type: 'ChoiceCollector', choices: ['go', 'stop'] },
          ],
          outcomes: { go: 'p2', stop: FAILURE },
        },
        p2: {
          type: 'Page',
          nodes: [
            { type: 'PlatformUsername', validateInput: true, minLength: 3, unique: true },
            { type: 'PlatformPassword', validateInput: true, minLength: 8, minCapitals: 1, minNumbers: 1 },
            { type: 'AcceptTermsAndConditions', version: '1.0', terms: 'Be nice.' },
            { type: 'TextInputCollector', prompt: 'Nickname', attribute: 'nickname' },
            { type: 'HiddenValueCollector', id: 'clientInfo' },
            { type: 'MetadataNode', data: { a: 1 } },
          ],
          outcomes: { outcome: 'r' },
        },
        r: { type: 'RedirectNode', redirectUrl: 'https://idp.example.com/', outcomes: { outcome: 'm' } },
        m: { type: 'Message', message: 'Hi', outcomes: { true: 'w', false: FAILURE } },
        w: { type: 'PollingWait', seconds: 1, outcomes: { done: 'ds' } },
        ds: { type: 'DataStoreDecision', outcomes: { true: 'active', false: 'retry' } },
        retry: { type: 'RetryLimitDecision', retryLimit: 2, outcomes: { Retry: 'p1', Reject: 'lock' } },
        lock: { type: 'AccountLockout', lockAction: 'LOCK', outcomes: { outcome: FAILURE } },
        active: { type: 'AccountActiveDecision', outcomes: { true: 'count', false: FAILURE } },
        count: { type: 'IncrementLoginCount', outcomes: { outcome: 'props' } },
        props: { type: 'SetSessionProperties', properties: { a: 'b' }, outcomes: { outcome: 'in' } },
        in: { type: 'InnerTreeEvaluator', tree: 'Login', outcomes: { true: SUCCESS, false: FAILURE } },
      },
    };
    expect(() => new TreeCatalog([...defaultTrees(), everything])).not.toThrow();
    expect(() => new TreeCatalog([])).not.toThrow();
  });

  it('an entry node that is not defined', () => {
    const error = definitionError({ ...login('NoEntry'), entry: 'nowhere' });
    expect(error.name).toBe('TreeDefinitionError');
    expect(error.message).toContain('tree NoEntry');
    expect(error.message).toContain('entry node "nowhere" is not defined');
  });

  it('an unknown node type', () => {
    const error = definitionError(
      tree('Typo', { a: { type: 'DataStoreDecison', outcomes: { true: SUCCESS } } }),
    );
    expect(error.message).toContain('tree Typo, node a: unknown node type "DataStoreDecison"');
  });

  it('an outcome the node produces that is not mapped (missing outcome)', () => {
    const error = definitionError(
      tree('Missing', { a: { type: 'DataStoreDecision', outcomes: { true: SUCCESS } } }),
    );
    expect(error.message).toContain('tree Missing, node a: outcome "false" leads nowhere');
    // No outcomes at all.
    const none = definitionError(tree('None', { a: { type: 'AccountActiveDecision' } }));
    expect(none.message).toContain('node a: outcome "true" leads nowhere');
    expect(none.message).toContain('node a: outcome "false" leads nowhere');
  });

  it('a mapped outcome the node cannot produce (extra outcome)', () => {
    const error = definitionError(
      tree('Extra', {
        a: { type: 'DataStoreDecision', outcomes: { true: SUCCESS, false: FAILURE, maybe: SUCCESS } },
      }),
    );
    expect(error.message).toContain('tree Extra, node a: DataStoreDecision has no outcome "maybe"');
    // Outcome names are case-sensitive, as AM's are.
    const cased = definitionError(
      tree('Cased', { r: { type: 'RetryLimitDecision', outcomes: { retry: SUCCESS, Reject: FAILURE } } }),
    );
    expect(cased.message).toContain('RetryLimitDecision has no outcome "retry"');
    expect(cased.message).toContain('outcome "Retry" leads nowhere');
  });

  it('an outcome leading to a node that does not exist', () => {
    const error = definitionError(
      tree('Dangling', { a: { type: 'DataStoreDecision', outcomes: { true: 'b', false: FAILURE } } }),
    );
    expect(error.message).toContain('tree Dangling, node a: outcome "true" leads to unknown node "b"');
    // The ends are spelled exactly.
    const lower = definitionError(
      tree('Lower', { a: { type: 'DataStoreDecision', outcomes: { true: 'success', false: FAILURE } } }),
    );
    expect(lower.message).toContain('leads to unknown node "success"');
  });

  it('SUCCESS and FAILURE are reserved node ids', () => {
    for (const id of [SUCCESS, FAILURE]) {
      const error = definitionError(
        tree('Reserved', {
          a: { type: 'DataStoreDecision', outcomes: { true: SUCCESS, false: FAILURE } },
          [id]: { type: 'IncrementLoginCount', outcomes: { outcome: SUCCESS } },
        }),
      );
      expect(error.message).toContain(`tree Reserved, node ${id}: ${id} is reserved for the end of the tree`);
    }
  });

  it('a Page holding a node that is not a collector', () => {
    for (const child of [
      'DataStoreDecision',
      'PollingWait',
      'RedirectNode',
      'Page',
      'InnerTreeEvaluator',
      'NoSuchType',
    ]) {
      const error = definitionError(
        tree('BadPage', {
          p: {
            type: 'Page',
            nodes: [{ type: 'UsernameCollector' }, { type: child }],
            outcomes: { outcome: SUCCESS },
          },
        }),
      );
      expect(error.message, child).toContain(
        `tree BadPage, node p: page node 2 (${child}) cannot sit in a Page`,
      );
    }
  });

  it('a Page without nodes', () => {
    for (const nodes of [undefined, [], 'UsernameCollector']) {
      const error = definitionError(
        tree('EmptyPage', { p: { type: 'Page', ...(nodes === undefined ? {} : { nodes }), outcomes: {} } }),
      );
      expect(error.message).toContain('tree EmptyPage, node p: a Page needs "nodes", a non-empty list');
    }
  });

  it('a Page whose non-last node has several outcomes', () => {
    const error = definitionError(
      tree('Branchy', {
        p: {
          type: 'Page',
          nodes: [{ type: 'ChoiceCollector', choices: ['a', 'b'] }, { type: 'PasswordCollector' }],
          outcomes: { outcome: SUCCESS },
        },
      }),
    );
    expect(error.message).toContain(
      'tree Branchy, node p: only the last node of a Page may have several outcomes',
    );
    const message = definitionError(
      tree('MessageFirst', {
        p: {
          type: 'Page',
          nodes: [{ type: 'Message', message: 'x' }, { type: 'UsernameCollector' }],
          outcomes: { outcome: SUCCESS },
        },
      }),
    );
    expect(message.message).toContain('only the last node of a Page may have several outcomes');
  });

  it("a Page takes the outcomes of its last node, and they are checked like a node's", () => {
    const ok = tree('LastChoice', {
      p: {
        type: 'Page',
        nodes: [{ type: 'UsernameCollector' }, { type: 'ChoiceCollector', choices: ['a', 'b'] }],
        outcomes: { a: SUCCESS, b: FAILURE },
      },
    });
    expect(() => new TreeCatalog([ok])).not.toThrow();
    const error = definitionError({
      ...ok,
      name: 'LastChoiceBad',
      nodes: { p: { ...(ok.nodes.p as NodeDefinition), outcomes: { outcome: SUCCESS } } },
    });
    expect(error.message).toContain('tree LastChoiceBad, node p: outcome "a" leads nowhere');
    expect(error.message).toContain('tree LastChoiceBad, node p: Page has no outcome "outcome"');
  });

  it('an InnerTreeEvaluator naming an unknown tree (or none)', () => {
    const error = definitionError(inner('Caller', 'NoSuchTree'));
    expect(error.message).toContain(
      'tree Caller, node call: InnerTreeEvaluator names no known tree ("tree": "NoSuchTree")',
    );
    const none = definitionError(
      tree('NoTarget', { call: { type: 'InnerTreeEvaluator', outcomes: { true: SUCCESS, false: FAILURE } } }),
    );
    expect(none.message).toContain('tree NoTarget, node call: InnerTreeEvaluator names no known tree');
    // Inner tree names are looked up case-insensitively.
    expect(() => new TreeCatalog([...defaultTrees(), inner('Caller', 'login')])).not.toThrow();
  });

  it('an InnerTreeEvaluator has exactly the outcomes true and false', () => {
    const error = definitionError(
      tree('InnerOutcomes', {
        call: { type: 'InnerTreeEvaluator', tree: 'Login', outcomes: { true: SUCCESS, outcome: FAILURE } },
      }),
    );
    expect(error.message).toContain('outcome "false" leads nowhere');
    expect(error.message).toContain('InnerTreeEvaluator has no outcome "outcome"');
  });

  it('inner trees that call each other in a cycle', () => {
    const self = definitionError(inner('Self', 'Self'));
    expect(self.message).toContain('tree Self: inner trees call each other in a cycle (self → self)');
    const pair = definitionError(inner('A', 'B'), inner('B', 'A'));
    expect(pair.message).toContain('inner trees call each other in a cycle');
    expect(pair.message).toContain('a → b → a');
    const three = definitionError(inner('X', 'Y'), inner('Y', 'Z'), inner('Z', 'x'));
    expect(three.message).toContain('x → y → z → x');
    // A diamond is not a cycle.
    expect(
      () =>
        new TreeCatalog([
          ...defaultTrees(),
          {
            name: 'Diamond',
            entry: 'l',
            nodes: {
              l: { type: 'InnerTreeEvaluator', tree: 'Left', outcomes: { true: 'r', false: FAILURE } },
              r: { type: 'InnerTreeEvaluator', tree: 'Right', outcomes: { true: SUCCESS, false: FAILURE } },
            },
          },
          inner('Left', 'Login'),
          inner('Right', 'Login'),
        ]),
    ).not.toThrow();
  });

  it('a cycle that only exists in a realm, through a realm tree shadowing a global one', () => {
    // Globally: Outer → Middle → Leaf. In /alpha, Leaf is replaced by a tree calling Outer.
    const error = definitionError(
      inner('Outer', 'Middle'),
      inner('Middle', 'Leaf'),
      login('Leaf'),
      inner('Leaf', 'Outer', '/alpha'),
    );
    expect(error.message).toContain('inner trees call each other in a cycle');
  });

  it('realm trees may call global trees; global trees may not call trees of one realm only', () => {
    expect(() => new TreeCatalog([...defaultTrees(), inner('AlphaCaller', 'Login', '/alpha')])).not.toThrow();
    const error = definitionError(login('AlphaOnly', '/alpha'), inner('GlobalCaller', 'AlphaOnly'));
    expect(error.message).toContain('tree GlobalCaller, node call: InnerTreeEvaluator names no known tree');
  });

  describe("node settings (each type's check())", () => {
    const single = (type: string, settings: Record<string, unknown>, outcomes: Record<string, string>) =>
      definitionError(tree('Settings', { n: { type, ...settings, outcomes } })).message;

    it('ChoiceCollector needs choices', () => {
      for (const settings of [{}, { choices: [] }, { choices: 'a,b' }, { choices: [1, 2] }]) {
        const message = definitionError(
          tree('Choices', {
            p: { type: 'Page', nodes: [{ type: 'ChoiceCollector', ...settings }], outcomes: {} },
          }),
        ).message;
        expect(message).toContain(
          'tree Choices, node p, page node 1: ChoiceCollector needs a non-empty "choices" list',
        );
      }
      // Outside a Page too.
      expect(single('ChoiceCollector', {}, {})).toContain(
        'node n: ChoiceCollector needs a non-empty "choices" list',
      );
    });

    it('AttributeCollector needs attributes', () => {
      const expected = 'AttributeCollector needs "attributes"';
      expect(single('AttributeCollector', {}, { outcome: SUCCESS })).toContain(expected);
      expect(single('AttributeCollector', { attributes: [] }, { outcome: SUCCESS })).toContain(expected);
      expect(
        single('AttributeCollector', { attributes: [{ prompt: 'no name' }] }, { outcome: SUCCESS }),
      ).toContain(expected);
    });

    it('RetryLimitDecision needs a retryLimit of at least 1', () => {
      expect(single('RetryLimitDecision', { retryLimit: 0 }, { Retry: SUCCESS, Reject: FAILURE })).toContain(
        'node n: retryLimit must be at least 1',
      );
    });

    it('AccountLockout takes LOCK or UNLOCK', () => {
      expect(single('AccountLockout', { lockAction: 'FREEZE' }, { outcome: FAILURE })).toContain(
        'node n: lockAction is LOCK or UNLOCK',
      );
    });

    it('SetSessionProperties needs an object of strings', () => {
      for (const properties of [undefined, 'a=b', { a: 1 }, null]) {
        expect(
          single('SetSessionProperties', properties === undefined ? {} : { properties }, {
            outcome: SUCCESS,
          }),
        ).toContain('node n: SetSessionProperties needs "properties": an object of strings');
      }
    });
  });

  it('reports every problem of every tree at once, each naming its tree and node', () => {
    const error = definitionError(
      tree('First', { a: { type: 'Nope', outcomes: {} } }),
      tree('Second', { b: { type: 'DataStoreDecision', outcomes: { true: 'c', false: FAILURE } } }),
    );
    expect(error.message.startsWith('Invalid trees:\n- ')).toBe(true);
    expect(error.message).toContain('tree First, node a: unknown node type "Nope"');
    expect(error.message).toContain('tree Second, node b: outcome "true" leads to unknown node "c"');
    // A realm tree is named with its realm.
    const realmTree = definitionError({ ...tree('Local', { a: { type: 'Nope' } }), realm: '/alpha' });
    expect(realmTree.message).toContain('tree Local (/alpha), node a: unknown node type "Nope"');
  });
});

describe('TreeCatalog lookup', () => {
  const alphaLogin = { ...login('Login', '/alpha'), entry: 'page' };
  const catalog = new TreeCatalog([
    ...defaultTrees(),
    alphaLogin,
    login('Special', '/bravo'),
    login('Everywhere'),
  ]);

  it('a realm tree shadows the global tree of the same name in that realm only', () => {
    expect(catalog.get('/alpha', 'Login')).toBe(alphaLogin);
    expect(catalog.get('/bravo', 'Login')).not.toBe(alphaLogin);
    expect(catalog.get('/bravo', 'Login')?.realm).toBeUndefined();
    expect(catalog.get('/', 'Login')?.realm).toBeUndefined();
  });

  it('looks names and realms up case-insensitively', () => {
    expect(catalog.get('/ALPHA', 'LOGIN')).toBe(alphaLogin);
    expect(catalog.get('/Bravo', 'special')?.name).toBe('Special');
    expect(catalog.get('/alpha', 'passwordgrant')?.name).toBe('PasswordGrant');
    expect(catalog.get('/alpha', 'EVERYWHERE')?.name).toBe('Everywhere');
  });

  it('offers realm trees only in their realm; require() refuses an unknown tree with NoConfiguration', () => {
    expect(catalog.get('/alpha', 'Special')).toBeUndefined();
    expect(catalog.get('/bravo', 'Special')?.realm).toBe('/bravo');
    expect(() => catalog.require('/alpha', 'Special')).toThrow(AnvilError);
    expect(() => catalog.require('/alpha', 'Nope')).toThrow(
      expect.objectContaining({ kind: 'NoConfiguration', message: 'No Configuration found' }),
    );
    expect(catalog.require('/bravo', 'SPECIAL').name).toBe('Special');
  });

  it('a configured global tree replaces the built-in one of the same name', () => {
    const custom = login('Login');
    const replaced = new TreeCatalog([...defaultTrees(), custom]);
    expect(replaced.get('/alpha', 'login')).toBe(custom);
  });
});

describe('trees in the configuration', () => {
  it('a bad tree stops the boot with a TreeDefinitionError naming the tree and the node', async () => {
    const broken = {
      name: 'Broken',
      entry: 'start',
      nodes: {
        start: { type: 'Page', nodes: [{ type: 'UsernameCollector' }], outcomes: { outcome: 'check' } },
        check: { type: 'DataStoreDecision', outcomes: { true: SUCCESS } },
      },
    };
    const boot = buildTestApp({ store: { kind: 'memory' }, config: { trees: [broken] } });
    await expect(boot).rejects.toThrow(TreeDefinitionError);
    await expect(boot).rejects.toThrow(/tree Broken, node check: outcome "false" leads nowhere/);
  });

  it('an inner-tree cycle in the configuration stops the boot', async () => {
    const boot = buildTestApp({
      store: { kind: 'memory' },
      config: { trees: [inner('Ping', 'Pong'), inner('Pong', 'Ping')] },
    });
    await expect(boot).rejects.toThrow(TreeDefinitionError);
    await expect(boot).rejects.toThrow(/cycle/);
  });

  it('a tree that does not fit the schema is a ConfigError', async () => {
    await expect(
      buildTestApp({ store: { kind: 'memory' }, config: { trees: [{ name: 'NoNodes', entry: 'a' }] } }),
    ).rejects.toThrow(ConfigError);
    await expect(
      buildTestApp({
        store: { kind: 'memory' },
        config: { trees: [{ ...login('Extra'), colour: 'red' }] },
      }),
    ).rejects.toThrow(ConfigError);
  });

  it('good trees boot, and are offered by name', async () => {
    const t = await buildTestApp({
      store: { kind: 'memory' },
      config: { trees: [login('Mine'), inner('Wrap', 'Mine')] },
    });
    try {
      const response = await t.app.inject({
        method: 'POST',
        url: '/am/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=wrap',
        headers: { 'accept-api-version': 'resource=2.1' },
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toHaveProperty('authId');
    } finally {
      await t.close();
    }
  });
});
