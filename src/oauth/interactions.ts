import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'koa';
import type { OAuthEngine } from './provider.js';

/**
 * The key of an interaction result naming the upstream authorization a sign-in came through; hooks.ts
 * reads it at resume, where the engine's browser session is known, and records that session on it.
 */
export const UPSTREAM_RESULT = 'mxauth_upstream';

/** An authorization's interaction, as the engine describes it. */
export type InteractionDetails = Awaited<ReturnType<OAuthEngine['interactionDetails']>>;

/** What a grant made at consent allows: the scopes and claims the engine found missing. */
export interface GrantRequest {
  accountId: string;
  clientId: string;
  oidcScope?: string[] | undefined;
  oidcClaims?: string[] | undefined;
  /** Per resource indicator, the scopes granted on it. */
  resourceScopes?: Record<string, string[]> | undefined;
}

/** A registered client as the sign-in pages show it. */
export interface ClientRecord {
  clientName: string | undefined;
  logoUri: string | undefined;
  clientUri: string | undefined;
  /** The client's own terms of service and privacy policy (`tos_uri`, `policy_uri`), as registered. */
  tosUri: string | undefined;
  policyUri: string | undefined;
}

/** The engine's sign-in session of a browser: its uid, and the account when someone is signed in. */
export interface EngineBrowserSession {
  uid: string;
  accountId: string | undefined;
}

/**
 * The engine's side of the human pages, in one place: reading the interaction, handing it back,
 * making grants, reading clients and the browser's engine session. The pages use only this, so what they ask of the engine
 * (and an engine upgrade's changes to it) is visible here rather than spread over every step.
 */
export class EngineInteractions {
  constructor(private readonly engine: OAuthEngine) {}

  /** The interaction this request's browser is in; throws the engine's errors (engine-errors.ts). */
  details(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails> {
    return this.engine.interactionDetails(req, res);
  }

  /**
   * Hands the interaction back with `result`; the engine writes the redirect itself. `merge` keeps
   * what an earlier step of the same interaction submitted (a sign-in, then consent).
   */
  async finish(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    merge: boolean,
  ): Promise<void> {
    await this.engine.interactionFinished(req, res, result, { mergeWithLastSubmission: merge });
  }

  /**
   * The authorization parameters of an interaction in progress, found by its uid (where its cookie is
   * not sent, as on the upstream routes); undefined when there is none or it ended.
   */
  async interactionParams(uid: string): Promise<Record<string, unknown> | undefined> {
    const interaction = await this.engine.Interaction.find(uid);
    if (!interaction || interaction.result) return undefined;
    return interaction.params as Record<string, unknown>;
  }

  /** Saves a new grant; its id is what consent hands back. */
  async grant(request: GrantRequest): Promise<string> {
    const grant = new this.engine.Grant({ accountId: request.accountId, clientId: request.clientId });
    if (request.oidcScope) grant.addOIDCScope(request.oidcScope.join(' '));
    if (request.oidcClaims) grant.addOIDCClaims(request.oidcClaims);
    for (const [indicator, scopes] of Object.entries(request.resourceScopes ?? {}))
      grant.addResourceScope(indicator, scopes.join(' '));
    return grant.save();
  }

  /** The browser's engine session (a new, empty one when it has none: the engine's own behaviour). */
  async browserSession(ctx: Context): Promise<EngineBrowserSession> {
    const session = await this.engine.Session.get(ctx as never);
    return { uid: session.uid, accountId: session.accountId };
  }

  /** A registered client's presentation; undefined for an unknown one. */
  async client(clientId: string): Promise<ClientRecord | undefined> {
    const client = await this.engine.Client.find(clientId);
    if (!client) return undefined;
    return {
      clientName: client.clientName,
      logoUri: client.logoUri,
      clientUri: client.clientUri,
      tosUri: client.tosUri,
      policyUri: client.policyUri,
    };
  }
}
