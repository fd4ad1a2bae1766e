import { Type } from './schema-kit.js';

/** The parts of the configuration schema that describe realms and trees (see schema.ts). */

export const QuotaAction = Type.Union(
  [
    Type.Literal('DENY_ACCESS'),
    Type.Literal('DESTROY_NEXT_EXPIRING'),
    Type.Literal('DESTROY_OLDEST_SESSION'),
    Type.Literal('DESTROY_ALL'),
  ],
  { description: 'What a login does when the user is at the limit.' },
);

const RealmQuota = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ description: 'Enforce the quota in this realm.' })),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10_000, description: 'Live sessions per user.' }),
    ),
    action: Type.Optional(QuotaAction),
  },
  { additionalProperties: false },
);

const RealmSession = Type.Object(
  {
    maxIdleMinutes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 525_600,
        description: 'Max idle time for sessions of this realm.',
      }),
    ),
    maxSessionMinutes: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 525_600, description: 'Max session time for this realm.' }),
    ),
    allowlist: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'Session properties readable and settable over REST in this realm.',
      }),
    ),
    queryProperties: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'Session properties returned by getSessionInfo (resource 4.0+) in this realm.',
      }),
    ),
    quota: Type.Optional(RealmQuota),
  },
  { additionalProperties: false },
);

export const RealmConfig = Type.Object(
  {
    path: Type.String({
      pattern: '^/([A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)?$',
      description: 'Realm path, e.g. `/alpha` or `/customers/europe`; `/` is the root realm.',
    }),
    aliases: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'Aliases: bare names usable in URLs, or DNS names that select the realm by Host.',
      }),
    ),
    active: Type.Optional(Type.Boolean({ description: 'An inactive realm refuses authentication.' })),
    admins: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'Users of this realm who administer its sessions and those of its sub-realms.',
      }),
    ),
    session: Type.Optional(RealmSession),
  },
  { additionalProperties: false },
);

export const TreeConfig = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'The tree name (`authIndexValue`).' }),
    realm: Type.Optional(
      Type.String({ description: 'The realm path it belongs to; offered in every realm when absent.' }),
    ),
    entry: Type.String({ minLength: 1, description: 'The id of the first node.' }),
    nodes: Type.Record(
      Type.String(),
      Type.Object(
        {
          type: Type.String({ minLength: 1 }),
          outcomes: Type.Optional(Type.Record(Type.String(), Type.String())),
        },
        { additionalProperties: true },
      ),
      {
        description:
          'Nodes by id: `type`, settings, and `outcomes` (outcome → node id, `SUCCESS` or `FAILURE`).',
      },
    ),
  },
  { additionalProperties: false },
);
