/** A change other processes sharing the database must hear about (see services/events.ts). */
export type DomainEvent = { kind: 'grant'; id: string } | { kind: 'user'; id: string };

/** Carries events to the other processes sharing the database (PostgreSQL LISTEN/NOTIFY). */
export interface EventRelay {
  publish(event: DomainEvent): void;
  /** Events published by other processes. */
  subscribe(listener: (event: DomainEvent) => void): void;
  close(): Promise<void>;
}
