// Prepared statements of the SQLite store, compiled once per SQL text and reused: preparing is
// a large share of a small statement's cost.
import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** More distinct statements than this (planned queries vary by filters) and the cache starts over. */
const MAX_STATEMENTS = 500;

/** A function giving the prepared statement of a SQL text, prepared on first use. */
export type StatementCache = (sql: string) => StatementSync;

/**
 * @example
 * ```ts
 * const statement = statementCache(db);
 * statement('SELECT 1 AS one').get(); // prepared once, whatever the number of calls
 * ```
 */
export function statementCache(db: DatabaseSync): StatementCache {
  const cache = new Map<string, StatementSync>();
  return (sql) => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      if (cache.size >= MAX_STATEMENTS) cache.clear();
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
}
