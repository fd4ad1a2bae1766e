import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { randomSecret } from '../core/tokens.js';
import type { JourneyCodec, OpenedJourney } from '../domain/authn/authn-service.js';
import type { JourneyState } from '../domain/authn/journey.js';
import { fail } from '../domain/errors.js';
import type { Realm } from '../domain/realms/realm.js';
import {
  decryptDirA256Gcm,
  encryptDirA256Gcm,
  JoseSignatureError,
  signHs256,
  verifyHs256,
} from './compact-jose.js';

/**
 * `authId`s as AM shapes them: a compact HS256 JWS (`{"typ":"JWT","alg":"HS256"}`) whose `realm`
 * claim is the realm DN, with a one-time id (`otk`) and an expiry. The journey state rides in the
 * `state` claim, encrypted (A256GCM, key derived from the same secret): it may hold a password
 * between pages, and the client can neither read nor alter it. Any node holding the secret can
 * continue a journey another began; no server-side state, no cookie.
 */
export class JoseJourneyCodec implements JourneyCodec {
  readonly #signingKey: KeyObject;
  readonly #encryptionKey: KeyObject;
  readonly #clock: Clock;
  readonly #maxSeconds: number;

  constructor(options: { secret: string; clock: Clock; maxMinutes: number }) {
    this.#signingKey = createSecretKey(Buffer.from(options.secret, 'utf8'));
    this.#encryptionKey = createSecretKey(
      createHash('sha256').update(`anvil journey state\u0000${options.secret}`).digest(),
    );
    this.#clock = options.clock;
    this.#maxSeconds = options.maxMinutes * 60;
  }

  async seal(state: JourneyState, realm: Realm): Promise<string> {
    const now = Math.floor(this.#clock.now() / 1000);
    const sealed = encryptDirA256Gcm(JSON.stringify(state), this.#encryptionKey);
    return signHs256(
      {
        otk: randomSecret(16),
        realm: realm.dn,
        state: sealed,
        iat: now,
        // The whole journey has one deadline, counted from its start: steps do not extend it.
        exp: Math.floor(state.startedAt / 1000) + this.#maxSeconds,
      },
      this.#signingKey,
    );
  }

  async open(authId: string): Promise<OpenedJourney> {
    let payload: Record<string, unknown>;
    try {
      payload = verifyHs256(authId, this.#signingKey);
    } catch (error) {
      if (error instanceof JoseSignatureError) return fail('InvalidAuthId');
      return fail('BadRequest', `Failed to parse JWT, ${(error as Error).message}`);
    }
    // The registered claims as JWT checks them (RFC 7519 §4.1), at second precision.
    const now = Math.floor(this.#clock.now() / 1000);
    for (const claim of ['exp', 'iat', 'nbf'] as const) {
      if (payload[claim] !== undefined && typeof payload[claim] !== 'number') {
        return fail('BadRequest', `Failed to parse JWT, "${claim}" claim must be a number`);
      }
    }
    if (typeof payload.exp === 'number' && payload.exp <= now) return fail('AuthTimeout');
    if (typeof payload.nbf === 'number' && payload.nbf > now) {
      return fail('BadRequest', 'Failed to parse JWT, "nbf" claim timestamp check failed');
    }
    if (
      typeof payload.otk !== 'string' ||
      typeof payload.exp !== 'number' ||
      typeof payload.state !== 'string'
    ) {
      return fail('BadRequest', 'Failed to parse JWT, a claim is missing');
    }
    return { state: this.#unseal(payload.state), id: payload.otk, expiresAt: payload.exp * 1000 };
  }

  #unseal(sealed: string): JourneyState {
    let state: JourneyState;
    try {
      state = JSON.parse(decryptDirA256Gcm(sealed, this.#encryptionKey)) as JourneyState;
    } catch {
      // Signed by us but unreadable: another deployment's secret rotation, or a bug.
      return fail('BadRequest', 'Failed to parse JWT, the journey state cannot be read');
    }
    if (
      typeof state?.realm !== 'string' ||
      typeof state.startedAt !== 'number' ||
      !Array.isArray(state.frames) ||
      typeof state.data !== 'object'
    ) {
      return fail('BadRequest', 'Failed to parse JWT, the journey state is malformed');
    }
    return state;
  }
}
