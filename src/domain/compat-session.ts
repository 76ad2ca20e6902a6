/** How a compat session began. */
export type CompatOrigin = 'password' | 'token' | 'appservice' | 'cli';

/** A Matrix device signed in through the compatibility login API (a legacy client, a bot, a bridge). */
export interface CompatSession {
  id: string;
  userId: string;
  deviceId: string;
  origin: CompatOrigin;
  /** Issued with homeserver admin rights (`mxauth manage issue-compatibility-token --admin`). */
  isAdmin: boolean;
  displayName: string | null;
  userAgent: string | null;
  createdAt: Date;
  lastActiveAt: Date | null;
  lastActiveIp: string | null;
  finishedAt: Date | null;
}
