/**
 * AM's callback protocol, as data. A page of a journey asks the client for input through these;
 * the HTTP layer numbers them (`IDToken<n>`, `_id`) and reads the filled values back.
 */
export interface CallbackField {
  name: string;
  value: unknown;
}

export interface Callback {
  type: string;
  output: CallbackField[];
  /** Default input values; absent for output-only callbacks. Names get their `IDToken<n>` prefix on the wire. */
  input?: CallbackField[];
}

export function nameCallback(prompt = 'User Name'): Callback {
  return {
    type: 'NameCallback',
    output: [{ name: 'prompt', value: prompt }],
    input: [{ name: '', value: '' }],
  };
}

export function passwordCallback(prompt = 'Password'): Callback {
  return {
    type: 'PasswordCallback',
    output: [{ name: 'prompt', value: prompt }],
    input: [{ name: '', value: '' }],
  };
}

/** The first input value of a submitted callback, as a string. */
export function inputString(submitted: Callback | undefined): string {
  const value = submitted?.input?.[0]?.value;
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}
