import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql, type CompiledQuery } from "kysely";
import { describe, expect, it } from "vitest";
import { describeQuery, observeDialect, type QueryObserver } from "./observed-dialect.js";

interface Tables {
  outbox: { id: string; channel: string };
  users: { id: string; email: string };
}

const compiler = new Kysely<Tables>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

describe("describeQuery", () => {
  it.each<[string, CompiledQuery, string, string | undefined]>([
    ["a select", compiler.selectFrom("users").select("id").where("email", "=", "secret@example.com").compile(), "SELECT", "users"],
    ["an aliased select", compiler.selectFrom("users as u").select("u.id").compile(), "SELECT", "users"],
    ["an insert", compiler.insertInto("outbox").values({ id: "x", channel: "email" }).compile(), "INSERT", "outbox"],
    ["an update", compiler.updateTable("outbox").set({ channel: "sms" }).where("id", "=", "x").compile(), "UPDATE", "outbox"],
    ["a delete", compiler.deleteFrom("users").where("id", "=", "x").compile(), "DELETE", "users"],
    ["raw SQL, by its first keyword only", sql`select ${"secret"} from users`.compile(compiler), "SELECT", undefined],
  ])("names %s by operation and table, never by a parameter", (_, query, operation, table) => {
    expect(describeQuery(query)).toEqual({ operation, table });
  });
});

describe("observeDialect", () => {
  it("reports each query a connection executes and returns its result", async () => {
    const seen: string[] = [];
    const observer: QueryObserver = {
      query: async (operation, table, run) => {
        seen.push(`${operation} ${table}`);
        return run();
      },
    };
    const db = new Kysely<Tables>({
      dialect: observeDialect(
        {
          createAdapter: () => new PostgresAdapter(),
          createDriver: () => new DummyDriver(),
          createIntrospector: (kysely) => new PostgresIntrospector(kysely),
          createQueryCompiler: () => new PostgresQueryCompiler(),
        },
        observer,
      ),
    });
    expect(await db.selectFrom("users").selectAll().execute()).toEqual([]);
    await db.transaction().execute((trx) => trx.insertInto("outbox").values({ id: "x", channel: "email" }).execute());
    expect(seen).toEqual(["SELECT users", "INSERT outbox"]);
  });
});
