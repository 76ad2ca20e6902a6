import type { Command } from 'commander';
import type { Job } from '../../../domain/job.js';
import { OutboxAdmin } from '../../../services/outbox-admin.js';
import { withServices } from '../../context.js';
import { CliError, type CliIo } from '../../io.js';
import { CONFIG_OPTION } from './arguments.js';
import { formatTable, shortTime } from './output.js';

export function jobsCommand(manage: Command, io: CliIo): void {
  manage
    .command('jobs')
    .description('List the outbox jobs not yet delivered (pending, running, failed); retry failed ones')
    .option(...CONFIG_OPTION)
    .option('--retry <id>', 'make a failed job pending again ("all" for every failed job)')
    .option('--json', 'one JSON object per line instead of a table')
    .action(async (options) => {
      await withServices(io, options.config, async ({ storage }) => {
        const outbox = new OutboxAdmin(storage);
        if (options.retry !== undefined) {
          const id = options.retry as string;
          const retried = id === 'all' ? await outbox.retryAllFailed() : Number(await outbox.retry(id));
          if (id !== 'all' && retried === 0) throw new CliError(`no failed job ${id}`);
          return io.out(`${retried} job(s) pending again; the running mxauth server delivers them\n`);
        }
        const jobs = await outbox.waiting(1000);
        if (options.json) {
          for (const job of jobs) io.out(`${JSON.stringify(jobJson(job))}\n`);
          return;
        }
        if (jobs.length === 0) return io.out('no jobs waiting: the outbox is empty\n');
        io.out(
          formatTable([
            ['ID', 'QUEUE', 'KIND', 'STATE', 'TRIES', 'NEXT TRY', 'LAST ERROR'],
            ...jobs.map((job) => [
              job.id,
              job.queue,
              job.kind,
              job.state,
              String(job.attempts),
              job.state === 'failed' ? '-' : shortTime(job.runAt),
              job.lastError ?? '-',
            ]),
          ]),
        );
      });
    });
}

function jobJson(job: Job) {
  return {
    id: job.id,
    queue: job.queue,
    kind: job.kind,
    state: job.state,
    attempts: job.attempts,
    run_at: job.runAt.toISOString(),
    last_error: job.lastError,
    payload: job.payload,
  };
}
