import type { Callback } from '../../src/domain/authn/callbacks.js';
import type { JourneyResult } from '../../src/domain/authn/journey.js';
import type { NodeDefinition } from '../../src/domain/authn/tree.js';

/** Helpers the journey engine's unit suites share: reading pages and answering callbacks. */

export type Page = Extract<JourneyResult, { kind: 'page' }>;

export function asPage(result: JourneyResult): Page {
  if (result.kind !== 'page') throw new Error(`expected a page, got ${JSON.stringify(result)}`);
  return result;
}

/** An answer that also sets the callback's `validateOnly` input (named as the HTTP layer names it). */
export class ValidateOnly {
  readonly value: unknown;
  readonly flag: unknown;
  constructor(value: unknown, flag: unknown) {
    this.value = value;
    this.flag = flag;
  }
}

export const validateOnly = (value: unknown, flag: unknown = true) => new ValidateOnly(value, flag);

/** The callbacks with callback i answered by values[i] (undefined keeps the defaults). */
export function fill(callbacks: readonly Callback[], values: readonly unknown[]): Callback[] {
  return callbacks.map((c, i) => {
    const answer = values[i];
    if (!c.input || answer === undefined) return c;
    const value = answer instanceof ValidateOnly ? answer.value : answer;
    return {
      ...c,
      input: c.input.map((field, j) => {
        if (j === 0) return { ...field, value };
        if (answer instanceof ValidateOnly && field.name === 'validateOnly')
          return { name: `IDToken${i + 1}validateOnly`, value: answer.flag };
        return field;
      }),
    };
  });
}

/** The value of a callback's named output. */
export const out = (callback: Callback | undefined, name: string) =>
  callback?.output.find((o) => o.name === name)?.value;

/** A page asking for the user name and the password, then `next`. */
export const credentialsPage = (next: string): NodeDefinition => ({
  type: 'Page',
  nodes: [{ type: 'UsernameCollector' }, { type: 'PasswordCollector' }],
  outcomes: { outcome: next },
});
