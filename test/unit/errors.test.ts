import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDatabaseDown } from '../../src/plugins/errors.js';

describe('database-down classification', () => {
  it('recognises lost connections as "down" (answered 503), wrapped or not', () => {
    const wrap = (cause: unknown) => Object.assign(new Error('Failed query: insert …'), { cause });
    for (const err of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      new Error('Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
      new Error('timeout exceeded when trying to connect'),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
      // DB_QUERY_TIMEOUT_MS: the server cancelled the statement, or the client stopped waiting for a silent server
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      new Error('Query read timeout'),
      new Error('Connection terminated due to connection timeout'),
    ]) {
      assert.equal(isDatabaseDown(err), true, err.message);
      assert.equal(isDatabaseDown(wrap(err)), true, `wrapped: ${err.message}`);
    }
  });

  it('leaves real query errors alone (they are bugs or constraint answers, not outages)', () => {
    for (const err of [
      Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }),
      Object.assign(new Error('conflicting key value violates exclusion constraint'), { code: '23P01' }),
      Object.assign(new Error('relation "x" does not exist'), { code: '42P01' }),
      new TypeError('Cannot read properties of undefined'),
    ]) assert.equal(isDatabaseDown(err), false, err.message);
  });
});
