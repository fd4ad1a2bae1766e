import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../core/clock.js';
import { randomSecret } from '../core/tokens.js';
import type { JourneyCodec, OpenedJourney } from '../domain/authn/authn-service.js';
import type { JourneyState } from '../domain/authn/journey.js';
import { fail } from '../domain/errors.js';
import type { Realm } from '../domain/realms/realm.js';

/**
 * `authId`s as AM shapes them: a compact HS256 JWS (`{"typ":"JWT","alg":"HS256"}`) whose `realm`
 * claim is the realm DN. The journey state rides in the `journey` claim, so any node holding the
 * secret can continue a journey (no server-side state, no cookie).
 */
export class JoseJourneyCodec implements JourneyCodec {
  readonly #key: Uint8Array;
  readonly #clock: Clock;
  readonly #maxSeconds: number;

  constructor(options: { secret: string; clock: Clock; maxMinutes: number }) {
    this.#key = new TextEncoder().encode(options.secret);
    this.#clock = options.clock;
    this.#maxSeconds = options.maxMinutes * 60;
  }

  async seal(state: JourneyState, realm: Realm): Promise<string> {
    const now = Math.floor(this.#clock.now() / 1000);
    return new SignJWT({ otk: randomSecret(16), realm: realm.dn, journey: state })
      .setProtectedHeader({ typ: 'JWT', alg: 'HS256' })
      .setIssuedAt(now)
      .setExpirationTime(now + this.#maxSeconds)
      .sign(this.#key);
  }

  async open(authId: string): Promise<OpenedJourney> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(authId, this.#key, {
        algorithms: ['HS256'],
        currentDate: new Date(this.#clock.now()),
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return fail('AuthTimeout');
      if (error instanceof joseErrors.JWSSignatureVerificationFailed) return fail('InvalidAuthId');
      return fail('BadRequest', `Failed to parse JWT, ${(error as Error).message}`);
    }
    const journey = payload.journey as JourneyState | undefined;
    if (
      typeof journey !== 'object' ||
      journey === null ||
      typeof journey.realm !== 'string' ||
      typeof journey.tree !== 'string' ||
      typeof journey.node !== 'string'
    ) {
      return fail('BadRequest', 'Failed to parse JWT, the journey state is missing');
    }
    if (typeof payload.otk !== 'string' || typeof payload.exp !== 'number') {
      return fail('BadRequest', 'Failed to parse JWT, the otk or exp claim is missing');
    }
    return {
      state: { realm: journey.realm, tree: journey.tree, node: journey.node, shared: { ...journey.shared } },
      id: payload.otk,
      expiresAt: payload.exp * 1000,
    };
  }
}
