import type { CompatOrigin, CompatSession } from '../domain/compat-session.js';
import type { Page, PageRequest, SessionFilter, TokenOwner } from './repositories.js';

/*
 * What the services may ask of storage about the compatibility login API: its sessions, their tokens, and
 * the login tokens of the SSO redirect. One repository each, as every aggregate has (see repositories.ts).
 */

/** A live compat access token as introspection reads it: its session and the session's owner. */
export interface LiveCompatToken {
  session: CompatSession;
  expiresAt: number | null;
  owner: TokenOwner;
}

export interface CompatRefreshToken {
  tokenHash: string;
  sessionId: string;
  accessTokenHash: string;
  consumedAt: number | null;
  nextTokenHash: string | null;
  supersededAt: number | null;
}

/** Sessions of the compatibility login API (their tokens are in CompatTokenRepository). */
export interface CompatSessionRepository {
  create(input: {
    userId: string;
    deviceId: string;
    origin: CompatOrigin;
    isAdmin: boolean;
    displayName: string | null;
    userAgent: string | null;
    ip: string | null;
  }): Promise<CompatSession>;
  find(id: string): Promise<CompatSession | undefined>;
  activeForDevice(userId: string, deviceId: string): Promise<CompatSession[]>;
  listForUser(userId: string, options: { active: boolean }): Promise<CompatSession[]>;
  /** Sessions matching `filter`, in creation order, a page at a time. */
  page(filter: SessionFilter, page: PageRequest): Promise<Page<CompatSession>>;
  count(filter: SessionFilter): Promise<number>;
  /** Finishes the session and deletes its tokens; undefined when it was already finished. */
  finish(id: string): Promise<CompatSession | undefined>;
  touch(id: string, ip: string | null): Promise<void>;
  rename(id: string, displayName: string): Promise<void>;
}

/** The access and refresh tokens of compat sessions. */
export interface CompatTokenRepository {
  addAccessToken(input: { tokenHash: string; sessionId: string; expiresAt: number | null }): Promise<void>;
  deleteAccessToken(tokenHash: string): Promise<void>;
  /** The session of an unexpired access token of an unfinished session. */
  sessionOfAccessToken(tokenHash: string): Promise<CompatSession | undefined>;
  addRefreshToken(input: { tokenHash: string; sessionId: string; accessTokenHash: string }): Promise<void>;
  /** On PostgreSQL the row stays locked until the transaction ends (call it inside one). */
  findRefreshToken(tokenHash: string): Promise<CompatRefreshToken | undefined>;
  /** Marks an unused refresh token as replaced by a retry; false when it was used (or replaced) meanwhile. */
  supersedeRefreshToken(tokenHash: string): Promise<boolean>;
  /** Marks a refresh token used and points it at its successor; false when another request did first. */
  consumeRefreshToken(tokenHash: string, nextTokenHash: string, replacing: string | null): Promise<boolean>;
  /** Access tokens by hash, as `findLiveTokens` does for OAuth (see there for the callback). */
  findLiveAccessTokens(
    idHashes: readonly string[],
    done: (error: unknown, found: Map<string, LiveCompatToken> | undefined) => void,
  ): void;
}

/** The single-use tokens of `m.login.token`, which the SSO redirect hands to clients. */
export interface CompatLoginTokenRepository {
  add(input: { tokenHash: string; userId: string; expiresAt: number }): Promise<void>;
  /** Uses a login token once: the user it was for, or undefined (unknown, expired or used). */
  consume(tokenHash: string): Promise<string | undefined>;
  /** Deletes login tokens that expired; returns how many. */
  deleteExpired(): Promise<number>;
}
