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
const withValidateOnly = (value: unknown, validateOnly = false): CallbackField[] => [
  { name: '', value },
  { name: 'validateOnly', value: validateOnly },
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

/** The input holds the text entered so far (`""` at first, as AM sends it), not `defaultText`. */
export const textInputCallback = (prompt: string, defaultText = '', text = ''): Callback => ({
  type: 'TextInputCallback',
  output: out({ prompt, defaultText }),
  input: oneInput(text),
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

/** AM 7+ sends the `id` (not the value) as the input's initial value; the client replaces it. */
export const hiddenValueCallback = (id: string, value = ''): Callback => ({
  type: 'HiddenValueCallback',
  output: out({ value, id }),
  input: oneInput(id),
});

/** `waitTime` in milliseconds, as a string (AM's shape). */
export const pollingWaitCallback = (waitTimeMs: number, message: string): Callback => ({
  type: 'PollingWaitCallback',
  output: out({ waitTime: String(waitTimeMs), message }),
});

/**
 * Output only. `redirectData` (the form fields of a POST) follows `trackingCookie` and is sent
 * only when there is some, as AM writes it.
 */
export const redirectCallback = (
  redirectUrl: string,
  redirectMethod: 'GET' | 'POST' = 'GET',
  trackingCookie = false,
  redirectData?: Readonly<Record<string, string>>,
): Callback => ({
  type: 'RedirectCallback',
  output: out({
    redirectUrl,
    redirectMethod,
    trackingCookie,
    ...(redirectData === undefined ? {} : { redirectData: { ...redirectData } }),
  }),
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

/** What the Platform Username/Password nodes show: IDM's policies for the attribute and what failed. */
export interface ValidatedInput {
  prompt: string;
  /** IDM's validation requirements for the attribute (`{name, policies, policyRequirements, …}`). */
  policies: Record<string, unknown>;
  /** The failed requirements, each a JSON text such as `{ "policyRequirement": "REQUIRED" }`. */
  failedPolicies?: readonly string[];
  validateOnly?: boolean;
}

/** Output order as AM 7 writes it: policies, failedPolicies, validateOnly, prompt. */
export const validatedCreateUsernameCallback = (input: ValidatedInput, value = ''): Callback => ({
  type: 'ValidatedCreateUsernameCallback',
  output: out({
    policies: input.policies,
    failedPolicies: [...(input.failedPolicies ?? [])],
    validateOnly: input.validateOnly ?? false,
    prompt: input.prompt,
  }),
  input: withValidateOnly(value, input.validateOnly ?? false),
});

/** Like the user name's, with `echoOn: false` first; the input never echoes the password. */
export const validatedCreatePasswordCallback = (input: ValidatedInput): Callback => ({
  type: 'ValidatedCreatePasswordCallback',
  output: out({
    echoOn: false,
    policies: input.policies,
    failedPolicies: [...(input.failedPolicies ?? [])],
    validateOnly: input.validateOnly ?? false,
    prompt: input.prompt,
  }),
  input: withValidateOnly('', input.validateOnly ?? false),
});

/** The client answers `true` to accept. */
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

/**
 * The `IDToken<n>validateOnly` input of a submitted validated callback (its name ends in
 * `validateOnly`; the second input when the client renamed it): true or `"true"`.
 */
export function inputValidateOnly(submitted: Callback | undefined): boolean {
  const inputs = submitted?.input ?? [];
  const field = inputs.find((f) => f.name.endsWith('validateOnly')) ?? inputs[1];
  return field?.value === true || field?.value === 'true';
}
