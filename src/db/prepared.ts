// Named prepared statements on a PostgreSQL server (DB_PREPARED_STATEMENTS, on by default). A
// statement text the process sends again and again is given a name, so each connection parses and
// plans it once and then only binds and executes it: `npm run bench -- --only book` measured
// PostgreSQL's CPU per booking falling by about a quarter (docs/performance.md, "Named prepared statements").
//
// What stays bounded: only texts seen twice get a name, at most MAX_NAMED of them per process (the
// statements of the hot paths are met first and most often; texts that vary, such as an IN list of
// a new length, stop being named at the cap), and the texts merely counted are forgotten in bulk
// when they pile up. Statements without parameters (BEGIN, COMMIT, migrations) keep the simple protocol.
//
// A name is a hash of its text, so one name always means one text, in every process: two servers
// whose connections meet on one PostgreSQL backend can never run each other's statement by mistake.
// Statements list their columns (Drizzle does; no `SELECT *` on a hot path), so a migration that adds
// a column does not break a running server's named statements (PostgreSQL refuses a cached plan
// whose result type changed).
//
// PgBouncer in transaction mode before 1.21 does not carry named statements between its server
// connections: there, DB_PREPARED_STATEMENTS=false (docs/operations.md, "Behind PgBouncer"). A server
// that meets it anyway (a named statement missing on the connection, or already there) turns naming
// off for the rest of its life and says so once: the statement that met it fails, later ones run unnamed.
import { createHash } from 'node:crypto';
import pg from 'pg';

/** How many distinct statement texts one process names; the rest run unnamed. */
export const MAX_NAMED = 256;
/** Uses of a text before it is named: a statement met once is not worth a slot on every connection. */
const USES_BEFORE_NAMING = 2;
/** Counted-but-unnamed texts kept before they are forgotten together. */
const MAX_COUNTED = 4096;

/** Which statement texts run under a name, decided once per text for the whole process. */
export class StatementNames {
  private readonly named = new Map<string, string>();
  private readonly counted = new Map<string, number>();
  private off = false;

  /** `onOff`: told once, when naming turns itself off (see the top of this file) */
  constructor(private readonly onOff: (message: string) => void = () => undefined) {}

  /** The name `text` runs under, or undefined while it is not (yet) worth one. */
  nameFor(text: string): string | undefined {
    if (this.off) return undefined;
    const name = this.named.get(text);
    if (name !== undefined || this.named.size >= MAX_NAMED) return name;
    const uses = (this.counted.get(text) ?? 0) + 1;
    if (uses < USES_BEFORE_NAMING) {
      if (this.counted.size >= MAX_COUNTED) this.counted.clear();
      this.counted.set(text, uses);
      return undefined;
    }
    this.counted.delete(text);
    const fresh = statementName(text);
    this.named.set(text, fresh);
    return fresh;
  }

  get size(): number {
    return this.named.size;
  }

  get enabled(): boolean {
    return !this.off;
  }

  /** A named statement met a connection that does not keep it: no more names from now on. */
  turnOff(sqlState: string): void {
    if (this.off) return;
    this.off = true;
    this.named.clear();
    this.counted.clear();
    this.onOff(
      `named prepared statements turned off: the database connection does not keep them (SQLSTATE ${sqlState}; PgBouncer in transaction mode before 1.21?). Set DB_PREPARED_STATEMENTS=false to start without them`,
    );
  }
}

/** SQLSTATEs of a named statement that is missing on the connection, or already there under that name. */
const LOST_STATEMENT = new Set(['26000', '42P05']);

/** A statement's name: `p` and 30 hex digits of the SHA-256 of its text (PostgreSQL names go up to 63 bytes). */
export function statementName(text: string): string {
  return `p${createHash('sha256').update(text).digest('hex').slice(0, 30)}`;
}

type QueryConfigLike = { text: string; name?: string; values?: unknown[] };

/**
 * The node-postgres client class a pool uses to connect: every parameterised statement whose text
 * `names` has named is sent as that named statement. node-postgres keeps, per connection, which names
 * it has already parsed there, and sends only Bind/Execute for them afterwards.
 */
export function namingClient(names: StatementNames): typeof pg.Client {
  return class NamingClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      const query = this.query.bind(this) as (...a: unknown[]) => unknown;
      this.query = ((...args: unknown[]) => {
        const named = withName(names, args);
        if (named === args) return query(...args);
        const watch = (err: unknown) => {
          const code = (err as { code?: unknown } | null)?.code;
          if (typeof code === 'string' && LOST_STATEMENT.has(code)) names.turnOff(code);
        };
        const last = named[named.length - 1];
        if (typeof last === 'function') {
          const callback = last as (err: unknown, res?: unknown) => void;
          return query(...named.slice(0, -1), (err: unknown, res?: unknown) => {
            if (err) watch(err);
            callback(err, res);
          });
        }
        const result = query(...named);
        if (result instanceof Promise) result.catch(watch);
        return result;
      }) as typeof this.query;
    }
  };
}

/** The query's arguments, its config given the name of its text when it has parameters and one is due. */
function withName(names: StatementNames, args: unknown[]): unknown[] {
  const [first, second] = args;
  if (typeof first === 'string') {
    if (!Array.isArray(second) || second.length === 0) return args;
    const name = names.nameFor(first);
    return name ? [{ text: first, name }, ...args.slice(1)] : args;
  }
  if (!isConfig(first) || first.name !== undefined) return args;
  const values = first.values ?? second;
  if (!Array.isArray(values) || values.length === 0) return args;
  const name = names.nameFor(first.text);
  return name ? [{ ...first, name }, ...args.slice(1)] : args;
}

function isConfig(v: unknown): v is QueryConfigLike {
  return typeof v === 'object' && v !== null && typeof (v as { text?: unknown }).text === 'string' && typeof (v as { submit?: unknown }).submit !== 'function';
}

/** A pool's `Client` option: naming clients when `enabled`, node-postgres' own otherwise. */
export function namingPoolOption(enabled: boolean, onOff?: (message: string) => void): Pick<pg.PoolConfig, 'Client'> {
  return enabled ? { Client: namingClient(new StatementNames(onOff)) } : {};
}
