import { createHash } from 'node:crypto';
import * as joseErrors from 'jose/errors';
// Subpath imports: the package index loads every JOSE feature (about 60 modules) at start-up.
import { compactDecrypt } from 'jose/jwe/compact/decrypt';
import { CompactEncrypt } from 'jose/jwe/compact/encrypt';
import { SignJWT } from 'jose/jwt/sign';
import { jwtVerify } from 'jose/jwt/verify';
import type { Clock } from '../core/clock.js';
import { randomSecret } from '../core/tokens.js';
import type { JourneyCodec, OpenedJourney } from '../domain/authn/authn-service.js';
import type { JourneyState } from '../domain/authn/journey.js';
import { fail } from '../domain/errors.js';
import type { Realm } from '../domain/realms/realm.js';

/**
 * `authId`s as AM shapes them: a compact HS256 JWS (`{"typ":"JWT","alg":"HS256"}`) whose `realm`
 * claim is the realm DN, with a one-time id (`otk`) and an expiry. The journey state rides in the
 * `state` claim, encrypted (A256GCM, key derived from the same secret): it may hold a password
 * between pages, and the client can neither read nor alter it. Any node holding the secret can
 * continue a journey another began; no server-side state, no cookie.
 */
export class JoseJourneyCodec implements JourneyCodec {
  readonly #signingKey: Uint8Array;
  readonly #encryptionKey: Uint8Array;
  readonly #clock: Clock;
  readonly #maxSeconds: number;

  constructor(options: { secret: string; clock: Clock; maxMinutes: number }) {
    this.#signingKey = new TextEncoder().encode(options.secret);
    this.#encryptionKey = createHash('sha256').update(`anvil journey state\u0000${options.secret}`).digest();
    this.#clock = options.clock;
    this.#maxSeconds = options.maxMinutes * 60;
  }

  async seal(state: JourneyState, realm: Realm): Promise<string> {
    const now = Math.floor(this.#clock.now() / 1000);
    const sealed = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(state)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(this.#encryptionKey);
    return (
      new SignJWT({ otk: randomSecret(16), realm: realm.dn, state: sealed })
        .setProtectedHeader({ typ: 'JWT', alg: 'HS256' })
        .setIssuedAt(now)
        // The whole journey has one deadline, counted from its start: steps do not extend it.
        .setExpirationTime(Math.floor(state.startedAt / 1000) + this.#maxSeconds)
        .sign(this.#signingKey)
    );
  }

  async open(authId: string): Promise<OpenedJourney> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(authId, this.#signingKey, {
        algorithms: ['HS256'],
        currentDate: new Date(this.#clock.now()),
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return fail('AuthTimeout');
      if (error instanceof joseErrors.JWSSignatureVerificationFailed) return fail('InvalidAuthId');
      return fail('BadRequest', `Failed to parse JWT, ${(error as Error).message}`);
    }
    if (
      typeof payload.otk !== 'string' ||
      typeof payload.exp !== 'number' ||
      typeof payload.state !== 'string'
    ) {
      return fail('BadRequest', 'Failed to parse JWT, a claim is missing');
    }
    return { state: await this.#unseal(payload.state), id: payload.otk, expiresAt: payload.exp * 1000 };
  }

  async #unseal(sealed: string): Promise<JourneyState> {
    let state: JourneyState;
    try {
      const { plaintext } = await compactDecrypt(sealed, this.#encryptionKey);
      state = JSON.parse(new TextDecoder().decode(plaintext)) as JourneyState;
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
