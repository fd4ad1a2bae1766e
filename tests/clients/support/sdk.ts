import * as runtime from '@forgerock/javascript-sdk';

/**
 * The ForgeRock JavaScript SDK, as the Node tests use it. Its runtime is the package's own ES
 * module build, untouched; only its types are restated here: the SDK's .d.ts files import
 * extensionless relative paths (`'./auth'`, `'./fr-auth'`), which TypeScript cannot resolve under
 * `moduleResolution: NodeNext` in an ES-module package, so FRAuth, SessionManager and the rest come
 * out as `any`. These are the 4.9.1 signatures (dist/**\/*.d.ts) of the slice the tests call.
 */

export interface FRCallback {
  getType(): string;
  getInputValue(selector?: number | string): unknown;
}
export interface NameCallback extends FRCallback {
  getPrompt(): string;
  setName(name: string): void;
}
export interface PasswordCallback extends FRCallback {
  getPrompt(): string;
  setPassword(password: string): void;
}
export interface ChoiceCallback extends FRCallback {
  getPrompt(): string;
  getChoices(): string[];
  getDefaultChoice(): number;
  setChoiceIndex(index: number): void;
  setChoiceValue(value: string): void;
}

export interface FRStep {
  readonly type: 'Step';
  payload: Record<string, unknown>;
  callbacks: FRCallback[];
  getCallbackOfType<T extends FRCallback>(type: string): T;
  getHeader(): string | undefined;
  getStage(): string | undefined;
  getDescription(): string | undefined;
}
export interface FRLoginSuccess {
  readonly type: 'LoginSuccess';
  payload: Record<string, unknown>;
  getSessionToken(): string | undefined;
  getRealm(): string | undefined;
  getSuccessUrl(): string | undefined;
}
export interface FRLoginFailure {
  readonly type: 'LoginFailure';
  payload: Record<string, unknown>;
  getCode(): number;
  getReason(): string | undefined;
  getMessage(): string | undefined;
  getDetail(): { failureUrl?: string } | undefined;
}
export type AuthResult = FRStep | FRLoginSuccess | FRLoginFailure;

export interface RequestObj {
  url: URL;
  init: RequestInit;
}
/** `action.type` is one of the SDK's ActionTypes: 'AUTHENTICATE', 'LOGOUT', … */
export type RequestMiddleware = (
  req: RequestObj,
  action: { type: string; payload: unknown },
  next: () => RequestObj,
) => void;

export interface StepOptions {
  tree?: string;
  query?: Record<string, string>;
}

interface Sdk {
  Config: {
    set(options: {
      serverConfig: { baseUrl: string; timeout?: number };
      realmPath?: string;
      tree?: string;
      middleware?: RequestMiddleware[];
    }): void;
  };
  FRAuth: {
    start(options?: StepOptions): Promise<AuthResult>;
    next(previousStep?: FRStep, options?: StepOptions): Promise<AuthResult>;
  };
  SessionManager: { logout(options?: StepOptions): Promise<Response> };
  CallbackType: { NameCallback: string; PasswordCallback: string; ChoiceCallback: string };
}

export const { Config, FRAuth, SessionManager, CallbackType } = runtime as unknown as Sdk;
