/**
 * AM's callback protocol, as data. Nodes ask the client for input through these; the HTTP layer
 * numbers them (`IDToken<n>` inputs, `_id`) and reads the filled values back by position.
 * Input names here are the suffix after `IDToken<n>` (`''` or e.g. `'validateOnly'`).
 */
export interface CallbackField {
  name: string;
  value: unknown;
}

export interface Callback {
  type: string;
  output: CallbackField[];
  /** Default input values; absent for output-only callbacks. */
  input?: CallbackField[];
}

const out = (entries: Record<string, unknown>): CallbackField[] =>
  Object.entries(entries).map(([name, value]) => ({ name, value }));
const oneInput = (value: unknown): CallbackField[] => [{ name: '', value }];
const withValidateOnly = (value: unknown): CallbackField[] => [
  { name: '', value },
  { name: 'validateOnly', value: false },
];

export const nameCallback = (prompt = 'User Name'): Callback => ({
  type: 'NameCallback',
  output: out({ prompt }),
  input: oneInput(''),
});

export const passwordCallback = (prompt = 'Password'): Callback => ({
  type: 'PasswordCallback',
  output: out({ prompt }),
  input: oneInput(''),
});

export const textInputCallback = (prompt: string, defaultText = ''): Callback => ({
  type: 'TextInputCallback',
  output: out({ prompt, defaultText }),
  input: oneInput(defaultText),
});

/** `messageType` is a string on the wire: "0" information, "1" warning, "2" error. */
export const textOutputCallback = (message: string, messageType: 0 | 1 | 2 | 4 = 0): Callback => ({
  type: 'TextOutputCallback',
  output: out({ message, messageType: String(messageType) }),
});

export const choiceCallback = (prompt: string, choices: readonly string[], defaultChoice = 0): Callback => ({
  type: 'ChoiceCallback',
  output: out({ prompt, choices: [...choices], defaultChoice }),
  input: oneInput(defaultChoice),
});

export const confirmationCallback = (
  prompt: string,
  options: readonly string[],
  defaultOption = 0,
  messageType = 0,
): Callback => ({
  type: 'ConfirmationCallback',
  output: out({ prompt, messageType, options: [...options], optionType: -1, defaultOption }),
  input: oneInput(defaultOption),
});

export const hiddenValueCallback = (id: string, value = ''): Callback => ({
  type: 'HiddenValueCallback',
  output: out({ value, id }),
  input: oneInput(value),
});

/** `waitTime` in milliseconds, as a string (AM's shape). */
export const pollingWaitCallback = (waitTimeMs: number, message: string): Callback => ({
  type: 'PollingWaitCallback',
  output: out({ waitTime: String(waitTimeMs), message }),
});

export const redirectCallback = (redirectUrl: string, redirectMethod: 'GET' | 'POST' = 'GET'): Callback => ({
  type: 'RedirectCallback',
  output: out({ redirectUrl, redirectMethod, trackingCookie: false }),
});

export const stringAttributeInputCallback = (
  name: string,
  prompt: string,
  value: string,
  required: boolean,
): Callback => ({
  type: 'StringAttributeInputCallback',
  output: out({ name, prompt, required, policies: {}, failedPolicies: [], validateOnly: false, value }),
  input: withValidateOnly(value),
});

export const booleanAttributeInputCallback = (
  name: string,
  prompt: string,
  value: boolean,
  required: boolean,
): Callback => ({
  type: 'BooleanAttributeInputCallback',
  output: out({ name, prompt, required, policies: {}, failedPolicies: [], validateOnly: false, value }),
  input: withValidateOnly(value),
});

export const validatedCreateUsernameCallback = (
  prompt = 'Username',
  failedPolicies: string[] = [],
): Callback => ({
  type: 'ValidatedCreateUsernameCallback',
  output: out({ policies: {}, failedPolicies, validateOnly: false, prompt }),
  input: withValidateOnly(''),
});

export const validatedCreatePasswordCallback = (
  prompt = 'Password',
  failedPolicies: string[] = [],
): Callback => ({
  type: 'ValidatedCreatePasswordCallback',
  output: out({ echoOn: false, policies: {}, failedPolicies, validateOnly: false, prompt }),
  input: withValidateOnly(''),
});

export const termsAndConditionsCallback = (version: string, terms: string, createDate: string): Callback => ({
  type: 'TermsAndConditionsCallback',
  output: out({ version, terms, createDate }),
  input: oneInput(false),
});

export const metadataCallback = (data: Record<string, unknown>): Callback => ({
  type: 'MetadataCallback',
  output: out({ data }),
});

/** The first input value of a submitted callback, as a string. */
export function inputString(submitted: Callback | undefined): string {
  const value = submitted?.input?.[0]?.value;
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

/** The first input value as a whole number (choices and confirmation options; string digits accepted). */
export function inputIndex(submitted: Callback | undefined): number | undefined {
  const value = submitted?.input?.[0]?.value;
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isInteger(n) ? n : undefined;
}

export function inputBoolean(submitted: Callback | undefined): boolean {
  const value = submitted?.input?.[0]?.value;
  return value === true || value === 'true';
}
