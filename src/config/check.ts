import type { Config } from './config.js';
import type { ConfigProblem } from './problems.js';

/**
 * What a configuration that parses must still not run with: `mxauth config check` and `mxauth serve`
 * refuse it. These are combinations of sections, which no single section's schema can see.
 */
export function deploymentProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  // An https public base means people other than the developer reach it; their codes must not be logged.
  if (config.email.transport === 'log' && config.http.publicBase.protocol === 'https:')
    problems.push({
      path: 'email.transport',
      message:
        'log writes every mail, codes and links included, to the log and sends nothing: it is for development, not with an https public_base (use smtp or sendmail)',
    });
  return problems;
}
