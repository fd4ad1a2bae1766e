import type { Clock } from '../../../core/clock.js';
import type { IdentityService } from '../../identity/identity-service.js';
import type { Realm } from '../../realms/realm.js';
import type { Callback } from '../callbacks.js';
import type { LockoutStore } from '../lockout.js';

/**
 * What a journey carries from node to node and from request to request. It travels inside the
 * `authId`, encrypted (it may hold a password), so the client can neither read nor change it.
 */
export interface JourneyData {
  username?: string;
  password?: string;
  /** Values collected by attribute collectors (AM's `objectAttributes`). */
  attributes: Record<string, string | boolean>;
  /** Properties the session will get (Set Session Properties). */
  sessionProperties: Record<string, string>;
  /** The terms the user accepted (Accept Terms and Conditions), as AM keeps them in shared state. */
  termsAccepted?: { acceptDate: string; termsVersion: string };
  /** Set when an Account Lockout node locked the account during this journey. */
  locked?: boolean;
  /** Per-node memory (page layouts, polling start times, retry counts), keyed by node. */
  nodeState: Record<string, unknown>;
}

export interface NodeServices {
  identities: IdentityService;
  lockouts: LockoutStore;
  clock: Clock;
}

export interface NodeContext {
  realm: Realm;
  data: JourneyData;
  /** The client's answers to the callbacks this node showed last time, if it showed any. */
  input: Callback[] | undefined;
  /** Unique key of this node in the journey, for `data.nodeState`. */
  key: string;
  services: NodeServices;
}

/** A node either needs the client (callbacks, plus optional page metadata) or picks an outcome. */
export type NodeResult =
  | { outcome: string }
  | { callbacks: Callback[]; header?: string; description?: string; stage?: string };

export type NodeSettings = Readonly<Record<string, unknown>>;

export interface NodeType {
  /** The outcomes it can produce with these settings. */
  outcomes(settings: NodeSettings): readonly string[];
  /** Problems with the settings, each a sentence (checked when the configuration loads). */
  check?(settings: NodeSettings): string[];
  /** True for nodes that may sit in a Page: they show callbacks and pick an outcome from the answers. */
  collector?: boolean;
  process(settings: NodeSettings, ctx: NodeContext): Promise<NodeResult>;
}

export function stringSetting(settings: NodeSettings, name: string, fallback: string): string {
  const value = settings[name];
  return typeof value === 'string' ? value : fallback;
}

export function numberSetting(settings: NodeSettings, name: string, fallback: number): number {
  const value = settings[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

export function stringListSetting(settings: NodeSettings, name: string): string[] {
  const value = settings[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
