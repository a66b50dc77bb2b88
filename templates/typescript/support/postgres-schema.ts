/**
 * The database schema as the PostgreSQL writer (`./postgres.ts`) sees it: the
 * tables of one schema with each column's type learned from the catalog (enums with
 * their labels, domains, arrays), kept as a snapshot and loaded again when an entry
 * names what the snapshot does not have, at most once per interval.
 */

import type { PostgresQueryable } from "./postgres.ts";
import { PREFIX, quote } from "./postgres-statements.ts";
import type { ColumnType } from "./postgres-values.ts";

/** A table of the schema; `qualified` is its quoted, schema-qualified name. */
export interface Table {
  name: string;
  qualified: string;
  columns: Map<string, Column>;
}

/** A writable column: its type family for conversion, its catalog type for casts. */
export interface Column {
  name: string;
  type: ColumnType;
  /** The quoted catalog name, for casts. */
  cast: string;
}

/** The tables as loaded at `loadedAt` (ms since the epoch). */
export interface Snapshot {
  tables: Map<string, Table>;
  loadedAt: number;
}

/**
 * The current snapshot of a schema's tables. Loads share one query; a load that
 * fails rejects (the caller classifies its error) and leaves the snapshot as it was.
 */
export class SchemaCache {
  private snapshot: Snapshot | undefined;
  private loading: Promise<Snapshot> | undefined;

  constructor(
    private readonly sql: PostgresQueryable,
    private readonly schema: string,
    private readonly reloadIntervalMs: number,
  ) {}

  /** The snapshot, loaded the first time. */
  async current(): Promise<Snapshot> {
    return this.snapshot ?? this.reload();
  }

  /** Loads the schema; concurrent callers share one load. */
  reload(): Promise<Snapshot> {
    this.loading ??= introspect(this.sql, this.schema)
      .then((tables) => {
        this.snapshot = { tables, loadedAt: Date.now() };
        return this.snapshot;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /**
   * A schema loaded after `since`, after a mismatch: the current one when it is that
   * new, else a reload, at most one per `reloadIntervalMs` (a client naming unknown
   * tables must not make every request introspect the database). A number: how long
   * until a reload may run.
   */
  async since(since: number): Promise<Snapshot | number> {
    if (this.loading) return await this.loading;
    const current = this.snapshot;
    if (current && current.loadedAt >= since) return current;
    const age = current ? Date.now() - current.loadedAt : Infinity;
    if (age < this.reloadIntervalMs) return this.reloadIntervalMs - age;
    return await this.reload();
  }
}

interface PgType {
  name: string;
  namespace: string;
  kind: string;
  category: string;
  element: string;
  base: string;
}

/** The tables of `schema` (not the module's own), their columns and types. */
async function introspect(
  sql: PostgresQueryable,
  schema: string,
): Promise<Map<string, Table>> {
  const types = new Map<string, PgType>();
  for (const row of await sql.unsafe(
    "SELECT t.oid::text AS oid, t.typname::text AS name, n.nspname::text AS namespace, " +
      "t.typtype::text AS kind, t.typcategory::text AS category, t.typelem::text AS element, " +
      "t.typbasetype::text AS base FROM pg_catalog.pg_type t " +
      "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace",
  )) {
    types.set(String(row["oid"]), {
      name: String(row["name"]),
      namespace: String(row["namespace"]),
      kind: String(row["kind"]),
      category: String(row["category"]),
      element: String(row["element"]),
      base: String(row["base"]),
    });
  }
  const labels = new Map<string, string[]>();
  for (const row of await sql.unsafe(
    "SELECT enumtypid::text AS type, enumlabel::text AS label FROM pg_catalog.pg_enum " +
      "ORDER BY enumtypid, enumsortorder",
  )) {
    const type = String(row["type"]);
    const list = labels.get(type) ?? [];
    list.push(String(row["label"]));
    labels.set(type, list);
  }
  const family = (oid: string, depth: number): ColumnType => {
    const type = types.get(oid);
    if (!type || depth > 8) return "other";
    if (type.kind === "d") return { domain: family(type.base, depth + 1) };
    if (type.kind === "e") return { enum: labels.get(oid) ?? [] };
    if (type.category === "A" && type.element !== "0") {
      return { array: family(type.element, depth + 1) };
    }
    if (type.name === "citext") return "text";
    if (type.namespace !== "pg_catalog") return "other";
    return CATALOG_TYPES.get(type.name) ?? "other";
  };
  const tables = new Map<string, Table>();
  // Ordinary and partitioned tables (not partitions); generated columns cannot be
  // written. The module's own tables are not user tables.
  for (const row of await sql.unsafe(
    "SELECT c.relname::text AS table_name, a.attname::text AS column_name, a.atttypid::text AS type " +
      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace " +
      "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid " +
      "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname::text = $1::text " +
      "AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' " +
      "AND left(c.relname::text, length($2::text)) <> $2::text ORDER BY c.relname, a.attnum",
    [schema, PREFIX],
  )) {
    const name = String(row["table_name"]);
    let table = tables.get(name);
    if (!table) {
      table = {
        name,
        qualified: `${quote(schema)}.${quote(name)}`,
        columns: new Map(),
      };
      tables.set(name, table);
    }
    const oid = String(row["type"]);
    const type = types.get(oid);
    const column = String(row["column_name"]);
    table.columns.set(column, {
      name: column,
      type: family(oid, 0),
      cast: type
        ? `${quote(type.namespace)}.${quote(type.name)}`
        : `"pg_catalog"."text"`,
    });
  }
  return tables;
}

/** The catalog's types the conversion knows, by name; any other is `other`. */
const CATALOG_TYPES = new Map<string, ColumnType>([
  ["bool", "bool"],
  ["int2", "int2"],
  ["int4", "int4"],
  ["int8", "int8"],
  ["numeric", "numeric"],
  ["float4", "float4"],
  ["float8", "float8"],
  ["text", "text"],
  ["varchar", "text"],
  ["bpchar", "text"],
  ["name", "text"],
  ["uuid", "uuid"],
  ["json", "json"],
  ["jsonb", "jsonb"],
  ["date", "date"],
  ["time", "time"],
  ["timetz", "timetz"],
  ["timestamp", "timestamp"],
  ["timestamptz", "timestamptz"],
  ["interval", "interval"],
  ["bytea", "bytea"],
]);
