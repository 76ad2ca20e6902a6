import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDatabaseUnavailable } from '../../src/storage/unavailable.js';

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

test('a database that cannot be reached is told apart from a query that is wrong', () => {
  for (const unavailable of [
    coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
    coded('57P01', 'terminating connection due to administrator command'),
    coded('57P03', 'the database system is starting up'),
    coded('08006'),
    coded('53300', 'sorry, too many clients already'),
    coded('55000', 'database "mxauth" is not currently accepting connections'),
    coded('SQLITE_BUSY', 'database is locked'),
    coded('SQLITE_IOERR_WRITE'),
    new Error('Connection terminated unexpectedly'),
    new TypeError('The database connection is not open'),
  ])
    assert.equal(isDatabaseUnavailable(unavailable), true, unavailable.message);
  for (const bug of [
    coded('42P01', 'relation "users" does not exist'),
    coded('23505', 'duplicate key value violates unique constraint'),
    coded('55000', 'some other prerequisite'),
    coded('SQLITE_CONSTRAINT_UNIQUE'),
    new TypeError("Cannot read properties of undefined (reading 'id')"),
    'ECONNREFUSED',
    undefined,
  ])
    assert.equal(isDatabaseUnavailable(bug), false, String(bug));
});
