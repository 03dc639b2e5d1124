import type { Context } from 'koa';
import type { AuthenticatedClient } from '../clients/client-authentication';
import type { TokenRequestForm } from '../schemas';
import type { IssuedAccessToken } from './access-token-issuer';

/** A token request as the route hands it to the chain (no-store set, form parsed). */
export interface TokenRequest {
  readonly ctx: Context;
  readonly form: TokenRequestForm;
  readonly requestId: string;
}

/** After client authentication: who is asking. */
export interface AuthenticatedRequest extends TokenRequest {
  readonly client: AuthenticatedClient;
}

/** After scope narrowing: the scopes the token carries. */
export interface ScopedRequest extends AuthenticatedRequest {
  readonly scopes: readonly string[];
}

/** After RFC 9396 narrowing: the data access the token carries (if any) and the latest it may expire. */
export interface NarrowedRequest extends ScopedRequest {
  readonly authorizationDetails?: unknown[];
  readonly notAfter?: Date;
}

/** After signing: the token, not yet handed out (its audit event comes first). */
export interface IssuedRequest extends NarrowedRequest {
  readonly issued: IssuedAccessToken;
}

/** One step of the chain: reads what the previous steps settled and answers the next stage (or throws an OAuthError). */
export type TokenStep<In, Out = In> = (exchange: In) => Promise<Out>;

/**
 * Steps run in order, each taking what the previous one answered; `then` only accepts a step
 * whose input is the previous step's output, so the stages are checked when the chain is built.
 */
export class StepChain<In, Out> {
  private constructor(readonly steps: ReadonlyArray<TokenStep<never, unknown>>) {}

  static start<In>(): StepChain<In, In> {
    return new StepChain<In, In>([]);
  }

  then<Next>(step: TokenStep<Out, Next>): StepChain<In, Next> {
    return new StepChain<In, Next>([...this.steps, step]);
  }

  async run(input: In): Promise<Out> {
    let stage: unknown = input;
    // Each step's input type is the previous step's output type (checked by `then`).
    for (const step of this.steps as ReadonlyArray<TokenStep<unknown, unknown>>) stage = await step(stage);
    return stage as Out;
  }
}

/** POST /oauth/token as a chain: a request in, an issued and audited token out. */
export type TokenChain = StepChain<TokenRequest, IssuedRequest>;
