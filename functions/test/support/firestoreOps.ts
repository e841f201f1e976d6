/**
 * Counts the Firestore operations a client really sends, by wrapping the RPC methods of one
 * Firestore instance: documents requested by batchGetDocuments (every get, in or out of a
 * transaction), queries run, writes committed (each set/update/create/delete in a commit), and
 * transactions committed or rolled back. Nothing is estimated.
 */
import type { Firestore } from "firebase-admin/firestore";

export interface OpCounts {
  reads: number;
  queries: number;
  writes: number;
  commits: number;
  transactions: number;
  rollbacks: number;
}

export function countOps(db: Firestore): { counts: OpCounts; reset(): OpCounts; restore(): void } {
  const counts: OpCounts = { reads: 0, queries: 0, writes: 0, commits: 0, transactions: 0, rollbacks: 0 };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const target = db as any;
  const request = target.request;
  const requestStream = target.requestStream;
  target.request = function (method: string, req: { writes?: unknown[]; transaction?: unknown }, ...rest: unknown[]) {
    if (method === "commit") {
      counts.commits++;
      counts.writes += req.writes?.length ?? 0;
      if (req.transaction) counts.transactions++;
    } else if (method === "rollback") {
      counts.rollbacks++;
    }
    return request.call(this, method, req, ...rest);
  };
  target.requestStream = function (method: string, bidi: boolean, req: { documents?: unknown[] }, ...rest: unknown[]) {
    if (method === "batchGetDocuments") counts.reads += req.documents?.length ?? 0;
    else if (method === "runQuery" || method === "runAggregationQuery") counts.queries++;
    return requestStream.call(this, method, bidi, req, ...rest);
  };
  return {
    counts,
    reset() {
      const copy = { ...counts };
      for (const k of Object.keys(counts) as (keyof OpCounts)[]) counts[k] = 0;
      return copy;
    },
    restore() {
      target.request = request;
      target.requestStream = requestStream;
    },
  };
}
