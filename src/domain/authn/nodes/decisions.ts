import { type NodeType, numberSetting, stringSetting } from './types.js';

/** Nodes that decide without asking the client anything. */

const single = () => ['outcome'] as const;
const trueFalse = () => ['true', 'false'] as const;

/**
 * Data Store Decision: the collected user name and password match an active identity of the
 * realm. An unknown user costs one hash verification like a known one.
 */
export const DataStoreDecision: NodeType = {
  outcomes: trueFalse,
  async process(_settings, ctx) {
    const check = await ctx.services.identities.checkCredentials(
      ctx.realm,
      ctx.data.username ?? '',
      ctx.data.password ?? '',
    );
    // The password has done its work: it does not travel on to later steps.
    delete ctx.data.password;
    if (check.outcome === 'success') ctx.data.username = check.identity.username;
    return { outcome: check.outcome === 'success' ? 'true' : 'false' };
  },
};

/** Account Active Decision: the collected user exists and is active. */
export const AccountActiveDecision: NodeType = {
  outcomes: trueFalse,
  async process(_settings, ctx) {
    const identity = ctx.data.username
      ? await ctx.services.identities.get(ctx.realm, ctx.data.username)
      : undefined;
    return { outcome: identity?.status === 'Active' ? 'true' : 'false' };
  },
};

/**
 * Retry Limit Decision: `Retry` until `retryLimit` failures, then `Reject`. With
 * `saveRetryLimitToUser` (the default, as AM's persistent lockout uses it) the count is kept per
 * user in the store and survives the journey; otherwise it counts within this journey only.
 */
export const RetryLimitDecision: NodeType = {
  outcomes: () => ['Retry', 'Reject'],
  check: (settings) =>
    numberSetting(settings, 'retryLimit', 3) >= 1 ? [] : ['retryLimit must be at least 1'],
  async process(settings, ctx) {
    const limit = numberSetting(settings, 'retryLimit', 3);
    let count: number;
    // Only real users get a stored count: unknown names count within the journey, so that they
    // cannot fill the store (and answer alike).
    const identity =
      settings.saveRetryLimitToUser !== false && ctx.data.username
        ? await ctx.services.identities.get(ctx.realm, ctx.data.username)
        : undefined;
    if (identity) {
      count = await ctx.services.lockouts.increment(ctx.realm.path, identity.username);
    } else {
      count =
        (typeof ctx.data.nodeState[ctx.key] === 'number' ? (ctx.data.nodeState[ctx.key] as number) : 0) + 1;
      ctx.data.nodeState[ctx.key] = count;
    }
    return { outcome: count >= limit ? 'Reject' : 'Retry' };
  },
};

/** Account Lockout: `LOCK` makes the account inactive (AM's persistent lockout); `UNLOCK` reverses it. */
export const AccountLockout: NodeType = {
  outcomes: single,
  check: (settings) =>
    ['LOCK', 'UNLOCK'].includes(stringSetting(settings, 'lockAction', 'LOCK'))
      ? []
      : ['lockAction is LOCK or UNLOCK'],
  async process(settings, ctx) {
    const username = ctx.data.username;
    const identity = username ? await ctx.services.identities.get(ctx.realm, username) : undefined;
    if (identity) {
      const lock = stringSetting(settings, 'lockAction', 'LOCK') === 'LOCK';
      await ctx.services.identities.update(ctx.realm, identity.username, {
        status: lock ? 'Inactive' : 'Active',
      });
      if (lock) ctx.data.locked = true;
      else await ctx.services.lockouts.reset(ctx.realm.path, identity.username);
    }
    return { outcome: 'outcome' };
  },
};

/** Increment Login Count: adds one to the user's `loginCount` attribute. */
export const IncrementLoginCount: NodeType = {
  outcomes: single,
  async process(_settings, ctx) {
    const username = ctx.data.username;
    const identity = username ? await ctx.services.identities.get(ctx.realm, username) : undefined;
    if (identity) {
      const current = Number(identity.attributes.loginCount?.[0] ?? '0');
      const next = String((Number.isFinite(current) ? current : 0) + 1);
      await ctx.services.identities.update(ctx.realm, identity.username, {
        attributes: { ...identity.attributes, loginCount: [next] },
      });
    }
    return { outcome: 'outcome' };
  },
};

/** Set Session Properties: the session this journey creates gets these properties. */
export const SetSessionProperties: NodeType = {
  outcomes: single,
  check: (settings) => {
    const properties = settings.properties;
    const ok =
      typeof properties === 'object' &&
      properties !== null &&
      Object.values(properties).every((v) => typeof v === 'string');
    return ok ? [] : ['SetSessionProperties needs "properties": an object of strings'];
  },
  async process(settings, ctx) {
    Object.assign(ctx.data.sessionProperties, settings.properties as Record<string, string>);
    return { outcome: 'outcome' };
  },
};
