import type { HomeserverConnector } from '../../../homeserver/connector.js';

export function formatTable(table: string[][]): string {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return `${table
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

/** A timestamp to the second, for a table column. */
export function shortTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** Where the change goes next: CLI commands write outbox jobs, and the running server delivers them. */
export function homeserverNote(homeserver: HomeserverConnector): string {
  return homeserver.kind === 'none' ? '' : '; the running mxauth server will tell the homeserver';
}
