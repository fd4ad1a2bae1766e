import {
  inputBoolean,
  inputString,
  inputValidateOnly,
  nameCallback,
  passwordCallback,
  termsAndConditionsCallback,
  validatedCreatePasswordCallback,
  validatedCreateUsernameCallback,
} from '../callbacks.js';
import {
  optionalBoolean,
  optionalCount,
  optionalString,
  optionalStringList,
  requiredString,
} from './checks.js';
import { failedPolicies, POLICY_SETTINGS, type PolicyKind, policiesOf, policiesOutput } from './policies.js';
import { type NodeSettings, type NodeType, stringSetting } from './types.js';

/**
 * AM's "Platform" nodes (Identity Platform / Identity Cloud): Platform Username, Platform
 * Password and Accept Terms and Conditions. Where AM asks IDM (policies, active terms), Anvil
 * takes the node's settings.
 */

const single = () => ['outcome'] as const;

type Check = (type: string, settings: NodeSettings, name: string) => string[];

/** How each policy setting is checked. */
const POLICY_CHECKS: Readonly<Record<string, Check>> = {
  required: optionalBoolean,
  unique: optionalBoolean,
  minLength: optionalCount,
  maxLength: optionalCount,
  minCapitals: optionalCount,
  minNumbers: optionalCount,
  forbiddenChars: optionalStringList,
};

/** The checks both Platform nodes share: `validateInput`, the attribute name, the policies. */
function platformChecks(type: string, kind: PolicyKind, attribute: string, settings: NodeSettings): string[] {
  const own: readonly string[] = POLICY_SETTINGS[kind];
  const problems = [
    ...optionalBoolean(type, settings, 'validateInput'),
    ...optionalString(type, settings, 'prompt'),
    ...(settings[attribute] === undefined
      ? []
      : requiredString(type, settings, attribute, 'the IDM attribute name')),
  ];
  for (const [name, check] of Object.entries(POLICY_CHECKS)) {
    if (settings[name] === undefined) continue;
    if (!own.includes(name)) {
      problems.push(`${type} has no "${name}" setting (its policies: ${own.join(', ')})`);
    } else if (settings.validateInput !== true) {
      problems.push(`${type} "${name}" only applies with "validateInput": true`);
    } else {
      problems.push(...check(type, settings, name));
    }
  }
  const { minLength, maxLength } = settings;
  if (typeof minLength === 'number' && typeof maxLength === 'number' && minLength > maxLength) {
    problems.push(`${type} "minLength" (${minLength}) is more than "maxLength" (${maxLength})`);
  }
  return problems;
}

/**
 * Platform Username: the user name the journey continues with (and `attributes[usernameAttribute]`,
 * AM's `objectAttributes`). Without `validateInput` a NameCallback, as AM shows it; with it a
 * ValidatedCreateUsernameCallback checked against the policies. A value that fails, or any
 * submission with `validateOnly` set, gets the callback back with `failedPolicies` filled and the
 * journey stays on this node.
 */
export const PlatformUsername: NodeType = {
  collector: true,
  outcomes: single,
  check: (settings) => platformChecks('PlatformUsername', 'username', 'usernameAttribute', settings),
  async process(settings, ctx) {
    const attribute = stringSetting(settings, 'usernameAttribute', 'userName');
    let username: string;
    if (settings.validateInput !== true) {
      if (!ctx.input) return { callbacks: [nameCallback(stringSetting(settings, 'prompt', 'User Name'))] };
      username = inputString(ctx.input[0]);
    } else {
      const policies = policiesOf(settings, 'username');
      const show = (value: string, failed: string[] = [], validateOnly = false) => ({
        callbacks: [
          validatedCreateUsernameCallback(
            {
              prompt: stringSetting(settings, 'prompt', 'Username'),
              policies: policiesOutput(attribute, policies),
              failedPolicies: failed,
              validateOnly,
            },
            value,
          ),
        ],
      });
      if (!ctx.input) return show('');
      username = inputString(ctx.input[0]);
      const validateOnly = inputValidateOnly(ctx.input[0]);
      const unique = policies.some((p) => p.requirement === 'UNIQUE');
      const exists =
        unique && username !== ''
          ? (await ctx.services.identities.get(ctx.realm, username)) !== undefined
          : false;
      const failed = failedPolicies(username, policies, exists);
      if (failed.length > 0 || validateOnly) return show(username, failed, validateOnly);
    }
    // As AM: an empty name is not stored, and the journey goes on.
    if (username !== '') {
      ctx.data.username = username;
      ctx.data.attributes[attribute] = username;
    }
    return { outcome: 'outcome' };
  },
};

/**
 * Platform Password: the password the journey continues with (for a Data Store Decision). Without
 * `validateInput` a PasswordCallback; with it a ValidatedCreatePasswordCallback checked against
 * the policies, with the same `validateOnly` and `failedPolicies` handling as Platform Username.
 * The password is never echoed back.
 */
export const PlatformPassword: NodeType = {
  collector: true,
  outcomes: single,
  check: (settings) => platformChecks('PlatformPassword', 'password', 'passwordAttribute', settings),
  async process(settings, ctx) {
    const prompt = stringSetting(settings, 'prompt', 'Password');
    if (settings.validateInput !== true) {
      if (!ctx.input) return { callbacks: [passwordCallback(prompt)] };
      ctx.data.password = inputString(ctx.input[0]);
      return { outcome: 'outcome' };
    }
    const policies = policiesOf(settings, 'password');
    const attribute = stringSetting(settings, 'passwordAttribute', 'password');
    const show = (failed: string[] = [], validateOnly = false) => ({
      callbacks: [
        validatedCreatePasswordCallback({
          prompt,
          policies: policiesOutput(attribute, policies),
          failedPolicies: failed,
          validateOnly,
        }),
      ],
    });
    if (!ctx.input) return show();
    const password = inputString(ctx.input[0]);
    const validateOnly = inputValidateOnly(ctx.input[0]);
    const failed = failedPolicies(password, policies);
    if (failed.length > 0 || validateOnly) return show(failed, validateOnly);
    ctx.data.password = password;
    return { outcome: 'outcome' };
  },
};

/**
 * Accept Terms and Conditions: shows the terms (AM takes the active ones from IDM; Anvil from
 * `version`, `terms` and `createDate`) until the client accepts them (`true`), then records
 * `termsAccepted: {acceptDate, termsVersion}` as AM does in shared state.
 */
export const AcceptTermsAndConditions: NodeType = {
  collector: true,
  outcomes: single,
  check: (settings) => [
    ...requiredString('AcceptTermsAndConditions', settings, 'version', 'the terms version, such as "1.0"'),
    ...requiredString('AcceptTermsAndConditions', settings, 'terms', 'the text of the terms'),
    ...optionalString('AcceptTermsAndConditions', settings, 'createDate'),
  ],
  async process(settings, ctx) {
    const version = stringSetting(settings, 'version', '');
    if (!ctx.input || !inputBoolean(ctx.input[0])) {
      return {
        callbacks: [
          termsAndConditionsCallback(
            version,
            stringSetting(settings, 'terms', ''),
            stringSetting(settings, 'createDate', ''),
          ),
        ],
      };
    }
    ctx.data.termsAccepted = {
      acceptDate: new Date(ctx.services.clock.now()).toISOString(),
      termsVersion: version,
    };
    return { outcome: 'outcome' };
  },
};
