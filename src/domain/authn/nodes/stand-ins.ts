import {
  hiddenValueCallback,
  inputString,
  metadataCallback,
  redirectCallback,
  textInputCallback,
} from '../callbacks.js';
import {
  optionalBoolean,
  optionalObject,
  optionalString,
  optionalStringList,
  optionalStringMap,
  requiredString,
} from './checks.js';
import type { JourneyData, NodeResult, NodeType } from './types.js';
import { stringListSetting, stringSetting } from './types.js';

/**
 * Anvil nodes standing in for what AM does with scripts (Scripted Decision, Configuration
 * Provider) and inside specialised nodes (WebAuthn's hidden value and metadata, social login's
 * redirect): each shows one of AM's callbacks, configured, so a client's handling of it can be
 * tested without writing a script.
 */

const single = () => ['outcome'] as const;

/** Text Input: a TextInputCallback; the answer goes to `attributes[attribute]`. */
export const TextInputCollector: NodeType = {
  collector: true,
  outcomes: single,
  check: (settings) => [
    ...requiredString('TextInputCollector', settings, 'attribute', 'the name to store the answer under'),
    ...optionalString('TextInputCollector', settings, 'prompt'),
    ...optionalString('TextInputCollector', settings, 'defaultText'),
    ...optionalBoolean('TextInputCollector', settings, 'required'),
  ],
  async process(settings, ctx) {
    const show = (): NodeResult => ({
      callbacks: [
        textInputCallback(stringSetting(settings, 'prompt', ''), stringSetting(settings, 'defaultText', '')),
      ],
    });
    if (!ctx.input) return show();
    const text = inputString(ctx.input[0]);
    if (settings.required === true && text === '') return show();
    ctx.data.attributes[stringSetting(settings, 'attribute', '')] = text;
    return { outcome: 'outcome' };
  },
};

/**
 * Hidden Value: a HiddenValueCallback with `id` and `value`; whatever the client returns goes to
 * `attributes[attribute]` (`attribute` defaults to the `id`). As in AM, the input starts out
 * holding the `id`: a client that ignores the callback sends the `id` back.
 */
export const HiddenValueCollector: NodeType = {
  collector: true,
  outcomes: single,
  check: (settings) => [
    ...requiredString(
      'HiddenValueCollector',
      settings,
      'id',
      'the hidden field id, such as "webAuthnOutcome"',
    ),
    ...optionalString('HiddenValueCollector', settings, 'value'),
    ...(settings.attribute === undefined
      ? []
      : requiredString('HiddenValueCollector', settings, 'attribute', 'the name to store the answer under')),
  ],
  async process(settings, ctx) {
    const id = stringSetting(settings, 'id', '');
    if (!ctx.input) return { callbacks: [hiddenValueCallback(id, stringSetting(settings, 'value', ''))] };
    ctx.data.attributes[stringSetting(settings, 'attribute', id)] = inputString(ctx.input[0]);
    return { outcome: 'outcome' };
  },
};

/** A journey value by AM's shared-state name: `username`, `termsAccepted`, or a collected attribute. */
function journeyValue(data: JourneyData, name: string): unknown {
  if (name === 'username') return data.username;
  if (name === 'termsAccepted') return data.termsAccepted;
  return data.attributes[name];
}

/**
 * Metadata: a MetadataCallback whose `data` is the configured `data` object plus, as AM's
 * Metadata node does, the journey values named in `attributes` (those that are set). No input:
 * the journey goes on when the client posts the step back. It may sit in a Page.
 */
export const MetadataNode: NodeType = {
  collector: true,
  outcomes: single,
  check: (settings) => [
    ...optionalObject('MetadataNode', settings, 'data'),
    ...optionalStringList('MetadataNode', settings, 'attributes'),
  ],
  async process(settings, ctx) {
    if (ctx.input) return { outcome: 'outcome' };
    const fromJourney = Object.fromEntries(
      stringListSetting(settings, 'attributes')
        .map((name) => [name, journeyValue(ctx.data, name)] as const)
        .filter(([, value]) => value !== undefined),
    );
    const data = (settings.data ?? {}) as Record<string, unknown>;
    return { callbacks: [metadataCallback({ ...structuredClone(data), ...fromJourney })] };
  },
};

const METHODS = ['GET', 'POST'] as const;

function isWebUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * Redirect: a RedirectCallback sending the client to `redirectUrl` (GET, or POST with the form
 * fields `redirectData`), as social and SAML nodes do. The journey goes on when the client comes
 * back and posts the step (or just the `authId`); Anvil reads nothing from the redirect itself.
 */
export const RedirectNode: NodeType = {
  outcomes: single,
  check: (settings) => {
    const problems: string[] = [];
    if (!isWebUrl(settings.redirectUrl)) {
      problems.push(
        `RedirectNode needs "redirectUrl": an absolute http(s) URL, not ${JSON.stringify(settings.redirectUrl)}`,
      );
    }
    const method = settings.redirectMethod;
    if (method !== undefined && !METHODS.includes(method as 'GET')) {
      problems.push(`RedirectNode "redirectMethod" is GET or POST, not ${JSON.stringify(method)}`);
    }
    problems.push(...optionalStringMap('RedirectNode', settings, 'redirectData'));
    if (settings.redirectData !== undefined && method !== 'POST') {
      problems.push('RedirectNode "redirectData" is only sent with "redirectMethod": POST');
    }
    problems.push(...optionalBoolean('RedirectNode', settings, 'trackingCookie'));
    return problems;
  },
  async process(settings, ctx) {
    if (ctx.input) return { outcome: 'outcome' };
    const post = settings.redirectMethod === 'POST';
    return {
      callbacks: [
        redirectCallback(
          stringSetting(settings, 'redirectUrl', ''),
          post ? 'POST' : 'GET',
          settings.trackingCookie === true,
          post ? ((settings.redirectData ?? {}) as Record<string, string>) : undefined,
        ),
      ],
    };
  },
};
