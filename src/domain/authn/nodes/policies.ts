import type { NodeSettings } from './types.js';

/**
 * IDM's validation policies, as the Platform Username and Platform Password nodes show them
 * (`policies`) and report them (`failedPolicies`). In AM these come from IDM's policy service;
 * in Anvil from the node's settings. Each policy has IDM's id, requirement name and parameters.
 */
export interface Policy {
  policyId: string;
  requirement: string;
  params?: Record<string, unknown>;
  /** True when the value fails it (`exists`: an identity already has that name). */
  fails(value: string, exists: boolean): boolean;
}

/** The policy settings of the two nodes, in the order they are checked and shown. */
export const POLICY_SETTINGS = {
  username: ['required', 'unique', 'minLength', 'maxLength', 'forbiddenChars'],
  password: ['required', 'minLength', 'maxLength', 'minCapitals', 'minNumbers'],
} as const;

export type PolicyKind = keyof typeof POLICY_SETTINGS;

const count = (value: string, pattern: RegExp) => value.match(pattern)?.length ?? 0;
const length = (value: string) => [...value].length;

/** The policies the settings ask for. `required` is on unless set to false. */
export function policiesOf(settings: NodeSettings, kind: PolicyKind): Policy[] {
  const wanted = new Set<string>(POLICY_SETTINGS[kind]);
  const number = (name: string) => {
    const value = settings[name];
    return wanted.has(name) && typeof value === 'number' && Number.isInteger(value) ? value : undefined;
  };
  const policies: Policy[] = [];
  if (settings.required !== false) {
    policies.push({ policyId: 'required', requirement: 'REQUIRED', fails: (v) => v === '' });
  }
  if (wanted.has('unique') && settings.unique === true) {
    policies.push({ policyId: 'unique', requirement: 'UNIQUE', fails: (_v, exists) => exists });
  }
  const minLength = number('minLength');
  if (minLength !== undefined) {
    policies.push({
      policyId: 'minimum-length',
      requirement: 'MIN_LENGTH',
      params: { minLength },
      fails: (v) => length(v) < minLength,
    });
  }
  const maxLength = number('maxLength');
  if (maxLength !== undefined) {
    policies.push({
      policyId: 'maximum-length',
      requirement: 'MAX_LENGTH',
      params: { maxLength },
      fails: (v) => length(v) > maxLength,
    });
  }
  const forbidden = settings.forbiddenChars;
  if (wanted.has('forbiddenChars') && Array.isArray(forbidden) && forbidden.length > 0) {
    const chars = forbidden.filter((c): c is string => typeof c === 'string');
    policies.push({
      policyId: 'cannot-contain-characters',
      requirement: 'CANNOT_CONTAIN_CHARACTERS',
      params: { forbiddenChars: chars },
      fails: (v) => chars.some((c) => c !== '' && v.includes(c)),
    });
  }
  const numCaps = number('minCapitals');
  if (numCaps !== undefined) {
    policies.push({
      policyId: 'at-least-X-capitals',
      requirement: 'AT_LEAST_X_CAPITAL_LETTERS',
      params: { numCaps },
      fails: (v) => count(v, /[A-Z]/g) < numCaps,
    });
  }
  const numNums = number('minNumbers');
  if (numNums !== undefined) {
    policies.push({
      policyId: 'at-least-X-numbers',
      requirement: 'AT_LEAST_X_NUMBERS',
      params: { numNums },
      fails: (v) => count(v, /[0-9]/g) < numNums,
    });
  }
  return policies;
}

/** The `policies` output: IDM's validation requirements for one attribute. */
export function policiesOutput(attribute: string, policies: readonly Policy[]): Record<string, unknown> {
  return {
    policyRequirements: [...new Set(policies.map((p) => p.requirement))],
    fallbackPolicies: null,
    name: attribute,
    policies: policies.map((p) => ({
      policyRequirements: [p.requirement],
      policyId: p.policyId,
      ...(p.params ? { params: p.params } : {}),
    })),
    conditionalPolicies: null,
  };
}

/**
 * The `failedPolicies` output for a value: one JSON text per failed requirement, written as AM
 * writes them (`{ "params": { "minLength": 8 }, "policyRequirement": "MIN_LENGTH" }`). An empty
 * required value reports only REQUIRED; an empty optional one passes.
 */
export function failedPolicies(value: string, policies: readonly Policy[], exists = false): string[] {
  if (value === '') {
    return policies.some((p) => p.requirement === 'REQUIRED')
      ? [amJsonText({ policyRequirement: 'REQUIRED' })]
      : [];
  }
  return policies
    .filter((p) => p.fails(value, exists))
    .map((p) => amJsonText({ ...(p.params ? { params: p.params } : {}), policyRequirement: p.requirement }));
}

/** JSON as AM's `JsonValue.toString()` spells it: `{ "a": 1, "b": [ "x" ] }`. */
export function amJsonText(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '[ ]' : `[ ${value.map(amJsonText).join(', ')} ]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${amJsonText(v)}`);
    return entries.length === 0 ? '{ }' : `{ ${entries.join(', ')} }`;
  }
  return JSON.stringify(value) ?? 'null';
}
