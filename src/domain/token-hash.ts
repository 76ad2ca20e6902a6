import { hash } from 'node:crypto';

/** How every token, code and secret id is kept at rest: its SHA-256, base64url. */
export const tokenHash = (value: string): string => hash('sha256', value, 'base64url');
