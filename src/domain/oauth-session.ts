/** A Matrix device signed in through OAuth: one per authorization grant. */
export interface OAuthSession {
  id: string;
  userId: string;
  clientId: string;
  grantId: string;
  deviceId: string | null;
  /** The Matrix scope granted (api, device, admin). */
  scope: string;
  createdAt: Date;
  lastActiveAt: Date | null;
  lastActiveIp: string | null;
  userAgent: string | null;
  finishedAt: Date | null;
  /** The name the user gave the device, if they renamed it. */
  displayName: string | null;
}
