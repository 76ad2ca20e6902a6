import type { Job } from '../domain/job.js';
import type { Storage } from '../storage/storage.js';

/** The most failed jobs one "retry all" takes up: an outbox this full needs a look before a retry. */
const MAX_FAILED_RETRIED = 100_000;

/** What an admin sees of the outbox and can do to it: list what is not delivered yet, retry failures. */
export class OutboxAdmin {
  constructor(private readonly storage: Storage) {}

  /** The jobs not yet delivered: pending, running or failed. */
  waiting(limit: number): Promise<Job[]> {
    return this.storage.jobs.list({ states: ['pending', 'running', 'failed'], limit });
  }

  /** Makes one failed job pending again; false when there is no failed job of that id. */
  retry(id: string): Promise<boolean> {
    return this.storage.jobs.retry(id);
  }

  /** Makes every failed job pending again; returns how many. */
  async retryAllFailed(): Promise<number> {
    const failed = await this.storage.jobs.list({ states: ['failed'], limit: MAX_FAILED_RETRIED });
    let retried = 0;
    for (const job of failed) if (await this.storage.jobs.retry(job.id)) retried++;
    return retried;
  }
}
