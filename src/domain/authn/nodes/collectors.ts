import {
  booleanAttributeInputCallback,
  choiceCallback,
  confirmationCallback,
  inputBoolean,
  inputIndex,
  inputString,
  nameCallback,
  passwordCallback,
  pollingWaitCallback,
  stringAttributeInputCallback,
  textOutputCallback,
} from '../callbacks.js';
import {
  type NodeContext,
  type NodeResult,
  type NodeSettings,
  type NodeType,
  numberSetting,
  stringListSetting,
  stringSetting,
} from './types.js';

/** Nodes that ask the client something: they show callbacks, then read the answers. */

const single = () => ['outcome'] as const;

export const UsernameCollector: NodeType = {
  collector: true,
  outcomes: single,
  async process(settings, ctx) {
    if (!ctx.input) return { callbacks: [nameCallback(stringSetting(settings, 'prompt', 'User Name'))] };
    ctx.data.username = inputString(ctx.input[0]);
    return { outcome: 'outcome' };
  },
};

export const PasswordCollector: NodeType = {
  collector: true,
  outcomes: single,
  async process(settings, ctx) {
    if (!ctx.input) return { callbacks: [passwordCallback(stringSetting(settings, 'prompt', 'Password'))] };
    ctx.data.password = inputString(ctx.input[0]);
    return { outcome: 'outcome' };
  },
};

/** Choice Collector: one outcome per choice, named as the choice. */
export const ChoiceCollector: NodeType = {
  collector: true,
  outcomes: (settings) => stringListSetting(settings, 'choices'),
  check: (settings) =>
    stringListSetting(settings, 'choices').length === 0
      ? ['ChoiceCollector needs a non-empty "choices" list']
      : [],
  async process(settings, ctx) {
    const choices = stringListSetting(settings, 'choices');
    const defaultChoice = numberSetting(settings, 'defaultChoice', 0);
    const show = () => ({
      callbacks: [choiceCallback(stringSetting(settings, 'prompt', 'Choose one'), choices, defaultChoice)],
    });
    if (!ctx.input) return show();
    const index = inputIndex(ctx.input[0]);
    const choice = index === undefined ? undefined : choices[index];
    return choice === undefined ? show() : { outcome: choice };
  },
};

interface AttributeSetting {
  name: string;
  prompt: string;
  required: boolean;
  kind: 'string' | 'boolean';
}

function attributesOf(settings: NodeSettings): AttributeSetting[] {
  const raw = settings.attributes;
  if (!Array.isArray(raw)) return [];
  return raw.map((entry) => {
    const a = typeof entry === 'string' ? { name: entry } : (entry as Record<string, unknown>);
    const name = typeof a.name === 'string' ? a.name : '';
    return {
      name,
      prompt: typeof a.prompt === 'string' ? a.prompt : name,
      required: a.required !== false,
      kind: a.type === 'boolean' ? 'boolean' : 'string',
    };
  });
}

/** Attribute Collector: one String/Boolean attribute input per configured attribute. */
export const AttributeCollector: NodeType = {
  collector: true,
  outcomes: single,
  check: (settings) =>
    attributesOf(settings).some((a) => a.name === '') || attributesOf(settings).length === 0
      ? ['AttributeCollector needs "attributes": a list of names or {name, prompt, required, type}']
      : [],
  async process(settings, ctx) {
    const attributes = attributesOf(settings);
    const show = (): NodeResult => ({
      callbacks: attributes.map((a) => {
        const current = ctx.data.attributes[a.name];
        return a.kind === 'boolean'
          ? booleanAttributeInputCallback(a.name, a.prompt, current === true, a.required)
          : stringAttributeInputCallback(
              a.name,
              a.prompt,
              typeof current === 'string' ? current : '',
              a.required,
            );
      }),
    });
    if (!ctx.input) return show();
    const values = attributes.map((a, i) =>
      a.kind === 'boolean' ? inputBoolean(ctx.input?.[i]) : inputString(ctx.input?.[i]),
    );
    // A required string left empty shows the page again.
    if (attributes.some((a, i) => a.required && a.kind === 'string' && values[i] === '')) return show();
    attributes.forEach((a, i) => {
      ctx.data.attributes[a.name] = values[i] as string | boolean;
    });
    return { outcome: 'outcome' };
  },
};

/** Message node: a text and a Yes/No confirmation; outcomes `true` and `false`. */
export const Message: NodeType = {
  collector: true,
  outcomes: () => ['true', 'false'],
  async process(settings, ctx) {
    const yes = stringSetting(settings, 'positiveAnswer', 'Yes');
    const no = stringSetting(settings, 'negativeAnswer', 'No');
    const show = () => ({
      callbacks: [
        textOutputCallback(stringSetting(settings, 'message', '')),
        confirmationCallback('', [yes, no], 1),
      ],
    });
    if (!ctx.input) return show();
    const answer = inputIndex(ctx.input[1]);
    if (answer !== 0 && answer !== 1) return show();
    return { outcome: answer === 0 ? 'true' : 'false' };
  },
};

/** Polling Wait: asks the client to come back after `seconds`; `done` once that time has passed. */
export const PollingWait: NodeType = {
  outcomes: () => ['done'],
  async process(settings, ctx: NodeContext) {
    const seconds = numberSetting(settings, 'seconds', 8);
    const now = ctx.services.clock.now();
    const started = ctx.data.nodeState[ctx.key];
    if (typeof started === 'number' && now - started >= seconds * 1000) {
      delete ctx.data.nodeState[ctx.key];
      return { outcome: 'done' };
    }
    if (typeof started !== 'number') ctx.data.nodeState[ctx.key] = now;
    return {
      callbacks: [pollingWaitCallback(seconds * 1000, stringSetting(settings, 'message', 'Please wait…'))],
    };
  },
};
