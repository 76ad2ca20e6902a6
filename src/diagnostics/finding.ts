/**
 * One requirement of delegated authentication, checked from the outside: met, not met (with what to do
 * about it), or not checked (it needs something the run was not given, such as a test user).
 */
export interface DeploymentFinding {
  requirement: string;
  ok: boolean | 'unchecked';
  /** What was seen: the URL asked and its answer. */
  detail: string;
  /** What to change when the requirement is not met (or what to pass to check it). */
  fix?: string;
}

const MARK = { true: '✓', false: '✗', unchecked: '–' } as const;

/** A table with one row per requirement, the fix indented under each row that needs one. */
export function renderFindings(findings: DeploymentFinding[]): string {
  const width = Math.max(...findings.map((f) => f.requirement.length));
  const lines = ['', 'Delegated authentication, as a Matrix client sees it:'];
  for (const f of findings) {
    lines.push(`${MARK[`${f.ok}`]} ${f.requirement.padEnd(width)}  ${f.detail}`);
    if (f.ok !== true && f.fix) lines.push(`  ${' '.repeat(width)}  fix: ${f.fix}`);
  }
  return `${lines.join('\n')}\n`;
}

export const failures = (findings: DeploymentFinding[]): number =>
  findings.filter((f) => f.ok === false).length;
