import type { CompiledQuery, DatabaseConnection, Dialect, Driver, OperationNode, QueryResult, TransactionSettings } from "kysely";

/** Watches each query a Kysely instance runs (a tracer makes a span of each). */
export interface QueryObserver {
  /** Runs one query; `operation` (`SELECT`, `INSERT`, …) and `table` name it, never a parameter value. */
  query<T>(operation: string, table: string | undefined, run: () => Promise<T>): Promise<T>;
}

/**
 * The dialect `dialect` with every query its connections execute reported to `observer`:
 * one wrapper for PGlite and `pg` alike. The driver still sees its own connections
 * (transactions begin and commit on them unobserved); streamed queries pass unobserved.
 */
export function observeDialect(dialect: Dialect, observer: QueryObserver): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => new ObservedDriver(dialect.createDriver(), observer),
  };
}

class ObservedDriver implements Driver {
  readonly #inner = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(
    private readonly driver: Driver,
    private readonly observer: QueryObserver,
  ) {}

  init(): Promise<void> {
    return this.driver.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.driver.acquireConnection();
    const observer = this.observer;
    const observed: DatabaseConnection = {
      executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        const { operation, table } = describeQuery(query);
        return observer.query(operation, table, () => connection.executeQuery<R>(query));
      },
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    };
    this.#inner.set(observed, connection);
    return observed;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.driver.beginTransaction(this.unwrap(connection), settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.driver.commitTransaction(this.unwrap(connection));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.driver.rollbackTransaction(this.unwrap(connection));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(this.unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.driver.destroy();
  }

  private unwrap(connection: DatabaseConnection): DatabaseConnection {
    return this.#inner.get(connection) ?? connection;
  }
}

/** Operation names of Kysely's query nodes. */
const operations: Record<string, string> = {
  SelectQueryNode: "SELECT",
  InsertQueryNode: "INSERT",
  UpdateQueryNode: "UPDATE",
  DeleteQueryNode: "DELETE",
  MergeQueryNode: "MERGE",
};

/**
 * The operation and first table of a compiled query, read from its operation tree; a raw
 * query is named by its first SQL keyword only (the rest may hold literals).
 */
export function describeQuery(query: CompiledQuery): { operation: string; table: string | undefined } {
  const node = query.query as OperationNode & Record<string, unknown>;
  const operation = operations[node.kind];
  if (operation === undefined) return { operation: /^\s*([a-z]+)/i.exec(query.sql)?.[1]?.toUpperCase() ?? "QUERY", table: undefined };
  const target = node.kind === "InsertQueryNode" ? node.into : node.kind === "UpdateQueryNode" ? node.table : node.kind === "MergeQueryNode" ? node.into : (node.from as { froms?: unknown[] } | undefined)?.froms?.[0];
  return { operation, table: tableName(target) };
}

function tableName(node: unknown): string | undefined {
  const candidate = node as { kind?: string; node?: unknown; table?: { identifier?: { name?: string } } } | undefined;
  if (candidate?.kind === "AliasNode") return tableName(candidate.node);
  if (candidate?.kind === "TableNode") return candidate.table?.identifier?.name;
  return undefined;
}
