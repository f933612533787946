const SEQUENCE = /^\d+$/;

/**
 * Where a job stream resumes after a broken connection, with no gap and no duplicate.
 *
 * The API's SSE ids are JOB_EVENTS sequences, and the messages of one job event share its id (a success is a
 * `result` then a `meta` with the same id). A connection can break between the two; resuming after that id would
 * lose the second. So the cursor asks for the stream from that id's event again (`Last-Event-ID: id - 1`) and
 * drops the messages of that id it already delivered, and anything older (the server sends none). An id that is
 * no sequence is resumed after, as an EventSource would.
 */
export class ResumeCursor {
  private lastId: string | undefined;
  /** Messages delivered with `lastId`. */
  private deliveredAtLast = 0;
  /** On the current connection: the id whose first `left` messages were delivered before it. */
  private skip: { id: string; seq: number | undefined; left: number } | undefined;

  /** `after`: an id the caller already has (a stream resumed from an earlier run); nothing up to it is delivered. */
  constructor(private readonly after?: string) {}

  /** The id of the last message delivered (resume after it with a new watch), or the starting point. */
  get lastEventId(): string | undefined {
    return this.lastId ?? this.after;
  }

  /** The `Last-Event-ID` to send now; call at every (re)connection, before `accept`. */
  connect(): string | undefined {
    const id = this.lastId;
    if (id === undefined) {
      this.skip = undefined;
      return this.after;
    }
    const seq = SEQUENCE.test(id) ? Number(id) : undefined;
    if (seq === undefined || seq === 0) {
      this.skip = { id, seq, left: 0 };
      return id;
    }
    this.skip = { id, seq, left: this.deliveredAtLast };
    return String(seq - 1);
  }

  /** Whether a message with this id is new (deliver it); records it when it is. */
  accept(id: string | undefined): boolean {
    const skip = this.skip;
    if (skip && id !== undefined) {
      if (id === skip.id && skip.left > 0) {
        skip.left--;
        return false;
      }
      if (skip.seq !== undefined && SEQUENCE.test(id) && Number(id) < skip.seq) return false;
    }
    if (id === undefined) return true;
    if (id !== this.lastId) {
      this.lastId = id;
      this.deliveredAtLast = 0;
    }
    this.deliveredAtLast++;
    return true;
  }
}
