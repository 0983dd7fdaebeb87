import type { StoreEvent } from './contract.js';

export interface RevisionRecord {
  readonly revision: number;
  readonly events: readonly StoreEvent[];
}

/**
 * The store's bounded event history, oldest first. `firstReplayable` is the lowest revision a watch may start
 * from: every change at or above it is kept; below it the history is gone (etcd's compact revision).
 */
export class History {
  private records: RevisionRecord[] = [];
  private events = 0;

  constructor(
    private first: number,
    private readonly maxRevisions: number,
    private readonly maxEvents: number,
  ) {}

  get firstReplayable(): number {
    return this.first;
  }

  get revisionCount(): number {
    return this.records.length;
  }

  get eventCount(): number {
    return this.events;
  }

  append(record: RevisionRecord): void {
    this.records.push(record);
    this.events += record.events.length;
    while (this.records.length > 0 && (this.records.length > this.maxRevisions || this.events > this.maxEvents)) {
      const dropped = this.records.shift();
      if (dropped === undefined) break;
      this.events -= dropped.events.length;
      this.first = dropped.revision + 1;
    }
  }

  /** Forget everything: no revision below `firstReplayable` can be replayed any more. */
  reset(firstReplayable: number): void {
    this.records = [];
    this.events = 0;
    this.first = firstReplayable;
  }

  /** Records with revision >= `start`, oldest first (the caller checked `start >= firstReplayable`). */
  since(start: number): readonly RevisionRecord[] {
    let lo = 0;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.records[mid]?.revision ?? 0) < start) lo = mid + 1;
      else hi = mid;
    }
    return this.records.slice(lo);
  }
}
