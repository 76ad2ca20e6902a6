import { type Selectable, sql } from 'kysely';
import { type Job, type JobState, RECURRING_JOB_ID_PREFIX } from '../../domain/job.js';
import type { JobRepository } from '../repositories.js';
import type { JobsTable } from '../tables.js';
import { newId, type RepositoryContext, toDate } from './context.js';

export function kyselyJobs(ctx: RepositoryContext): JobRepository {
  const { db } = ctx;
  const now = () => ctx.clock.now().getTime();
  return {
    async enqueue(job) {
      const row: JobsTable = {
        id: newId(ctx),
        queue: job.queue,
        kind: job.kind,
        payload: JSON.stringify(job.payload),
        ordering_key: job.orderingKey ?? null,
        state: 'pending',
        attempts: 0,
        run_at: (job.runAt ?? ctx.clock.now()).getTime(),
        locked_until: null,
        last_error: null,
        created_at: now(),
        finished_at: null,
      };
      await db.insertInto('jobs').values(row).execute();
      return toJob(row);
    },

    async claim({ queue, limit, leaseMs, orderingKey }) {
      const t = now();
      const dueBy = orderingKey === undefined ? t : Number.MAX_SAFE_INTEGER;
      let due = db
        .selectFrom('jobs as j')
        .select('j.id')
        .where('j.queue', '=', queue)
        .$if(orderingKey !== undefined, (q) => q.where('j.ordering_key', '=', orderingKey!))
        .where((eb) =>
          eb.or([
            eb.and([eb('j.state', '=', 'pending'), eb('j.run_at', '<=', dueBy)]),
            // A running job whose lease ran out belongs to a worker that died: take it over.
            eb.and([eb('j.state', '=', 'running'), eb('j.locked_until', '<', t)]),
          ]),
        )
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('jobs as e')
                .select(sql`1`.as('one'))
                .whereRef('e.ordering_key', '=', 'j.ordering_key')
                .whereRef('e.id', '<', 'j.id')
                .where('e.state', 'in', ['pending', 'running']),
            ),
          ),
        )
        .orderBy('j.id')
        .limit(limit);
      // PostgreSQL: concurrent workers skip each other's rows. SQLite has one writer, and the single
      // UPDATE … WHERE id IN (…) statement is atomic there.
      if (ctx.dialect === 'postgres') due = due.forUpdate().skipLocked();
      const rows = await db
        .updateTable('jobs')
        .set({ state: 'running', attempts: sql`attempts + 1`, locked_until: t + leaseMs })
        .where('id', 'in', due)
        .returningAll()
        .execute();
      return rows.map(toJob).sort((a, b) => (a.id < b.id ? -1 : 1));
    },

    async find(id) {
      const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toJob(row);
    },

    async complete(id) {
      await db
        .updateTable('jobs')
        .set({ state: 'done', locked_until: null, last_error: null, finished_at: now() })
        .where('id', '=', id)
        .execute();
    },

    async retryLater(id, runAt, error) {
      await db
        .updateTable('jobs')
        .set({ state: 'pending', locked_until: null, last_error: error, run_at: runAt.getTime() })
        .where('id', '=', id)
        .execute();
    },

    async fail(id, error) {
      await db
        .updateTable('jobs')
        .set({ state: 'failed', locked_until: null, last_error: error, finished_at: now() })
        .where('id', '=', id)
        .execute();
    },

    async cancel(id) {
      const result = await db
        .deleteFrom('jobs')
        .where('id', '=', id)
        // A failed job is as moot as a pending one; a running one is being delivered right now.
        .where('state', 'in', ['pending', 'failed'])
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async retry(id) {
      const result = await db
        .updateTable('jobs')
        .set({ state: 'pending', run_at: now(), finished_at: null })
        .where('id', '=', id)
        .where('state', '=', 'failed')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async list({ states, limit }) {
      if (states.length === 0) return [];
      const rows = await db
        .selectFrom('jobs')
        .selectAll()
        .where('state', 'in', states)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toJob);
    },

    async countByState() {
      const rows = await db
        .selectFrom('jobs')
        .select(['state', (eb) => eb.fn.countAll<number | string>().as('n')])
        .where('id', 'not like', `${RECURRING_JOB_ID_PREFIX}%`)
        .groupBy('state')
        .execute();
      const counts: Record<JobState, number> = { pending: 0, running: 0, done: 0, failed: 0 };
      for (const row of rows) counts[row.state as JobState] = Number(row.n);
      return counts;
    },

    async schedule({ id, queue, kind, runAt }) {
      const row: JobsTable = {
        id,
        queue,
        kind,
        payload: '{}',
        ordering_key: null,
        state: 'pending',
        attempts: 0,
        run_at: runAt.getTime(),
        locked_until: null,
        last_error: null,
        created_at: now(),
        finished_at: null,
      };
      // One statement, so two instances starting at once cannot both find no row and both insert.
      await db
        .insertInto('jobs')
        .values(row)
        .onConflict((oc) =>
          oc
            .column('id')
            .doUpdateSet({
              state: 'pending',
              attempts: 0,
              run_at: row.run_at,
              locked_until: null,
              finished_at: null,
            })
            .where('jobs.state', 'in', ['done', 'failed']),
        )
        .execute();
    },

    async reschedule(id, runAt) {
      await db
        .updateTable('jobs')
        .set({ state: 'pending', attempts: 0, locked_until: null, last_error: null, run_at: runAt.getTime() })
        .where('id', '=', id)
        .execute();
    },
  };
}

function toJob(row: Selectable<JobsTable>): Job {
  return {
    id: row.id,
    queue: row.queue,
    kind: row.kind,
    payload: JSON.parse(row.payload),
    orderingKey: row.ordering_key,
    state: row.state as JobState,
    attempts: Number(row.attempts),
    runAt: new Date(Number(row.run_at)),
    lockedUntil: toDate(row.locked_until),
    lastError: row.last_error,
    createdAt: new Date(Number(row.created_at)),
    finishedAt: toDate(row.finished_at),
  };
}
