/**
 * An in-memory upload queue with the PowerSync JS SDKs' semantics:
 * - entries have increasing `clientId`s (op_id); consecutive entries with the
 *   same non-null transaction id form one transaction, an entry without one is
 *   a transaction of its own;
 * - `getCrudTransactions()` returns a fresh lazy iterator starting at the
 *   oldest entry not completed yet;
 * - `complete(checkpoint)` on a transaction removes every entry up to its last
 *   one (so it completes all earlier transactions too) and records the call;
 * - `getNextCrudTransaction()` returns the oldest transaction.
 */

import type {
  QueuedEntry,
  QueuedTransaction,
  UploadQueue,
} from "powersync-write-api";

export interface FakeEntry extends QueuedEntry {
  transactionId: number | undefined;
}

/** One recorded `complete()` call. */
export interface Completion {
  /** The last op_id of the completed transaction. */
  upToOpId: number;
  /** Its transaction id (undefined for a write outside a transaction). */
  transactionId: number | undefined;
  checkpoint: string | undefined;
}

export class FakeQueue implements UploadQueue {
  readonly clientIdValue: string;
  entries: FakeEntry[] = [];
  readonly completions: Completion[] = [];
  /** How many iterators `getCrudTransactions()` handed out. */
  iterators = 0;
  private nextOpId = 1;
  private nextTransactionId = 1;

  constructor(clientId = "client-1") {
    this.clientIdValue = clientId;
  }

  /**
   * Queues one transaction of `operations` PUTs to `table` (or the given
   * entries) and returns its transaction id. `standalone` queues entries
   * without a transaction id (each its own transaction).
   */
  add(
    operations = 1,
    options: {
      table?: string;
      data?: (index: number) => Record<string, unknown>;
      standalone?: boolean;
      extra?: Partial<Pick<QueuedEntry, "previousValues" | "metadata">>;
    } = {},
  ): number | undefined {
    const transactionId =
      options.standalone === true ? undefined : this.nextTransactionId++;
    for (let index = 0; index < operations; index++) {
      const clientId = this.nextOpId++;
      const entry: FakeEntry = {
        clientId,
        op: "PUT",
        table: options.table ?? "todos",
        id: `row-${clientId}`,
        transactionId,
        opData: options.data?.(index) ?? { description: `item ${clientId}` },
        ...options.extra,
      };
      this.entries.push(entry);
    }
    return transactionId;
  }

  /** Adds `count` one-entry transactions. */
  addMany(count: number, operations = 1): void {
    for (let i = 0; i < count; i++) this.add(operations);
  }

  /** Transaction ids still queued, in order (undefined for standalone). */
  remainingTransactions(): (number | undefined)[] {
    const ids: (number | undefined)[] = [];
    let previous: FakeEntry | undefined;
    for (const entry of this.entries) {
      if (
        previous === undefined ||
        entry.transactionId === undefined ||
        entry.transactionId !== previous.transactionId
      ) {
        ids.push(entry.transactionId);
      }
      previous = entry;
    }
    return ids;
  }

  getClientId(): Promise<string> {
    return Promise.resolve(this.clientIdValue);
  }

  getCrudTransactions(): AsyncIterable<QueuedTransaction> {
    this.iterators++;
    let after = -1;
    return {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<QueuedTransaction>> => {
          const transaction = this.transactionAfter(after);
          if (transaction === undefined) {
            return { done: true, value: undefined };
          }
          after = transaction.crud[transaction.crud.length - 1]!.clientId;
          return { done: false, value: transaction };
        },
      }),
    };
  }

  async getNextCrudTransaction(): Promise<QueuedTransaction | null> {
    return this.transactionAfter(-1) ?? null;
  }

  private transactionAfter(after: number): QueuedTransaction | undefined {
    const start = this.entries.findIndex((entry) => entry.clientId > after);
    const head = this.entries[start];
    if (head === undefined) return undefined;
    const crud: FakeEntry[] = [head];
    if (head.transactionId !== undefined) {
      for (const entry of this.entries.slice(start + 1)) {
        if (entry.transactionId !== head.transactionId) break;
        crud.push(entry);
      }
    }
    const last = crud[crud.length - 1]!;
    return {
      crud: crud.map((entry) => ({ ...entry })),
      transactionId: head.transactionId,
      complete: async (checkpoint?: string) => {
        this.entries = this.entries.filter(
          (entry) => entry.clientId > last.clientId,
        );
        this.completions.push({
          upToOpId: last.clientId,
          transactionId: head.transactionId,
          checkpoint,
        });
      },
    };
  }
}

/** The queue as an older SDK shows it: no `getCrudTransactions`. */
export function legacyView(queue: FakeQueue): UploadQueue {
  return {
    getNextCrudTransaction: () => queue.getNextCrudTransaction(),
    getClientId: () => queue.getClientId(),
  };
}
