export type UserStatus = 'active' | 'locked' | 'deactivated';

export interface User {
  id: string;
  localpart: string;
  displayName: string | null;
  canRequestAdmin: boolean;
  createdAt: Date;
  lockedAt: Date | null;
  deactivatedAt: Date | null;
}

/** Deactivation outranks a lock: a deactivated account stays deactivated whether or not it is also locked. */
export function userStatus(user: Pick<User, 'lockedAt' | 'deactivatedAt'>): UserStatus {
  if (user.deactivatedAt) return 'deactivated';
  if (user.lockedAt) return 'locked';
  return 'active';
}

export interface UserPassword {
  id: string;
  userId: string;
  hashedPassword: string;
  version: number;
  upgradedFromId: string | null;
  createdAt: Date;
}

export interface UserEmail {
  id: string;
  userId: string;
  email: string;
  createdAt: Date;
  confirmedAt: Date | null;
  /** The address mail goes to, and the one in the `email` claim. */
  primary: boolean;
}

export interface UserPhone {
  id: string;
  userId: string;
  /** E.164, e.g. +4930123456. */
  phone: string;
  createdAt: Date;
  confirmedAt: Date | null;
}
