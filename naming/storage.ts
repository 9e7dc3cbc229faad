/**
 * Where a name server keeps its registrations: in memory, or in SQLite with
 * the schema of Pyro5's `sql:` storage, so either name server opens the
 * other's database file. Python: `Pyro5.nameserver.MemoryStorage`, `SqlStorage`.
 *
 * @module
 */

/** A registration: the URI text and its metadata tags. */
export type Registration = [uri: string, metadata: Set<string>];

/** The storage interface of a name server. */
export interface NameStorage {
  /** The registration of a name, or undefined. */
  get(name: string): Registration | undefined;
  /** Adds or replaces a registration. */
  set(name: string, uri: string, metadata: Set<string> | null): void;
  /** Removes a name; true when it was there. */
  delete(name: string): boolean;
  /** Every registration, by name. */
  entries(): Array<[string, Registration]>;
  /** The number of registrations. */
  count(): number;
  /** Releases the storage. */
  close(): void;
}

/** Registrations in a Map: gone when the process ends. */
export class MemoryStorage implements NameStorage {
  readonly #map = new Map<string, Registration>();
  /** The registration of a name, or undefined. */
  get(name: string): Registration | undefined {
    const r = this.#map.get(name);
    return r && [r[0], new Set(r[1])];
  }
  /** Adds or replaces a registration. */
  set(name: string, uri: string, metadata: Set<string> | null): void {
    this.#map.set(name, [uri, new Set(metadata ?? [])]);
  }
  /** Removes a name. */
  delete(name: string): boolean {
    return this.#map.delete(name);
  }
  /** Every registration. */
  entries(): Array<[string, Registration]> {
    return [...this.#map].map(([n, r]) => [n, [r[0], new Set(r[1])]]);
  }
  /** The number of registrations. */
  count(): number {
    return this.#map.size;
  }
  /** Nothing to release. */
  close(): void {}
}

/** The slice of `node:sqlite` used here (present in Deno, Bun and Node 24). */
interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): {
    run(...params: unknown[]): unknown;
    get(...params: unknown[]): Record<string, unknown> | undefined;
    all(...params: unknown[]): Array<Record<string, unknown>>;
  };
  close(): void;
}

/**
 * Registrations in a SQLite file, with Pyro5's tables `pyro_names` and
 * `pyro_metadata`. Every change is its own committed transaction, so it
 * survives the process being killed.
 */
export class SqlStorage implements NameStorage {
  readonly #db: SqliteDatabase;

  /**
   * Opens (or creates) the database.
   *
   * @param db an open `node:sqlite` `DatabaseSync`
   */
  constructor(db: SqliteDatabase) {
    this.#db = db;
    db.exec("PRAGMA foreign_keys=ON");
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all().map((r) =>
      r.name
    );
    if (!tables.includes("pyro_names")) {
      db.exec(
        "CREATE TABLE pyro_names (id integer PRIMARY KEY, name nvarchar NOT NULL UNIQUE, uri nvarchar NOT NULL);",
      );
    }
    if (!tables.includes("pyro_metadata")) {
      db.exec(
        "CREATE TABLE pyro_metadata (object integer NOT NULL, metadata nvarchar NOT NULL, FOREIGN KEY(object) REFERENCES pyro_names(id));",
      );
    }
  }

  /**
   * Opens the SQLite file at `path`.
   *
   * @param path the database file
   * @returns the storage
   */
  static async open(path: string): Promise<SqlStorage> {
    const { DatabaseSync } = await import("node:sqlite") as {
      DatabaseSync: new (path: string) => SqliteDatabase;
    };
    return new SqlStorage(new DatabaseSync(path));
  }

  #metadata(id: unknown): Set<string> {
    return new Set(
      this.#db.prepare("SELECT metadata FROM pyro_metadata WHERE object=?").all(id).map((r) =>
        String(r.metadata)
      ),
    );
  }

  /** The registration of a name, or undefined. */
  get(name: string): Registration | undefined {
    const row = this.#db.prepare("SELECT id, uri FROM pyro_names WHERE name=?").get(name);
    return row ? [String(row.uri), this.#metadata(row.id)] : undefined;
  }

  /** Adds or replaces a registration, in one transaction. */
  set(name: string, uri: string, metadata: Set<string> | null): void {
    this.#transaction(() => {
      this.#deleteRow(name);
      this.#db.prepare("INSERT INTO pyro_names(name, uri) VALUES(?,?)").run(name, uri);
      const id = this.#db.prepare("SELECT id FROM pyro_names WHERE name=?").get(name)!.id;
      for (const m of metadata ?? []) {
        this.#db.prepare("INSERT INTO pyro_metadata(object, metadata) VALUES (?,?)").run(id, m);
      }
    });
  }

  /** Removes a name. */
  delete(name: string): boolean {
    let found = false;
    this.#transaction(() => found = this.#deleteRow(name));
    return found;
  }

  /** Every registration. */
  entries(): Array<[string, Registration]> {
    return this.#db.prepare("SELECT id, name, uri FROM pyro_names").all().map((
      r,
    ) => [String(r.name), [String(r.uri), this.#metadata(r.id)]]);
  }

  /** The number of registrations. */
  count(): number {
    return Number(this.#db.prepare("SELECT count(*) AS n FROM pyro_names").get()!.n);
  }

  /** Closes the database. */
  close(): void {
    this.#db.close();
  }

  #deleteRow(name: string): boolean {
    const row = this.#db.prepare("SELECT id FROM pyro_names WHERE name=?").get(name);
    if (!row) return false;
    this.#db.prepare("DELETE FROM pyro_metadata WHERE object=?").run(row.id);
    this.#db.prepare("DELETE FROM pyro_names WHERE id=?").run(row.id);
    return true;
  }

  #transaction(fn: () => void): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      fn();
      this.#db.exec("COMMIT");
    } catch (e) {
      this.#db.exec("ROLLBACK");
      throw e;
    }
  }
}
