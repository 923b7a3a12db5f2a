import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { Client } from 'pg';

/**
 * COPY … TO STDOUT and COPY … FROM STDIN over a node-postgres client, streamed with
 * back-pressure both ways: the two "submittable" queries pg accepts in place of a query
 * (the interface pg-cursor and pg-copy-streams use). Reading pauses the client's socket
 * while the consumer is behind; writing waits for the socket to drain. Memory stays at a
 * few chunks whatever the table's size.
 */

/** What pg hands a submittable: the part of its Connection used here. */
interface PgConnection {
  stream: NodeJS.ReadWriteStream & { writableNeedDrain?: boolean };
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

const BATCH_BYTES = 64 * 1024;

/** The rows of `statement` (a COPY … TO STDOUT) in batches of about 64 KiB; `rows` is known once it has ended. */
export class CopyOut extends Readable {
  /** Rows the server reported (CommandComplete) once the stream has ended. */
  rows = 0;
  private connection?: PgConnection;
  private batch = Buffer.allocUnsafe(BATCH_BYTES);
  private used = 0;
  private paused = false;
  private failed = false;

  constructor(private readonly text: string) {
    super({ highWaterMark: 4 * BATCH_BYTES });
  }

  submit(connection: PgConnection): void {
    this.connection = connection;
    connection.query(this.text);
  }

  // One CopyData message per row; its bytes live in the parser's reused buffer, so they are copied at once.
  handleCopyData(message: { chunk: Buffer }): void {
    if (this.failed || this.destroyed) return;
    const chunk = message.chunk;
    if (chunk.length > BATCH_BYTES - this.used) this.flush();
    if (chunk.length > BATCH_BYTES) this.send(Buffer.from(chunk));
    else {
      chunk.copy(this.batch, this.used);
      this.used += chunk.length;
    }
  }

  handleCommandComplete(message: { text?: string }): void {
    this.flush();
    this.rows = Number(/^COPY (\d+)/.exec(message.text ?? '')?.[1] ?? 0);
  }

  handleReadyForQuery(): void {
    this.resumeSocket();
    if (!this.failed && !this.destroyed) this.push(null);
  }

  handleError(error: Error): void {
    this.failed = true;
    this.resumeSocket();
    this.destroy(error);
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(connection: PgConnection): void {
    connection.sendCopyFail('COPY FROM is not expected here');
  }

  override _read(): void {
    this.resumeSocket();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A consumer that gives up: the rest of the COPY is read and dropped so the client stays usable.
    this.resumeSocket();
    callback(error);
  }

  private flush(): void {
    if (this.used === 0) return;
    const out = this.batch.subarray(0, this.used);
    this.batch = Buffer.allocUnsafe(BATCH_BYTES);
    this.used = 0;
    this.send(out);
  }

  private send(buffer: Buffer): void {
    if (!this.push(buffer) && !this.paused && this.connection) {
      this.paused = true;
      this.connection.stream.pause();
    }
  }

  private resumeSocket(): void {
    if (this.paused && this.connection) {
      this.paused = false;
      this.connection.stream.resume();
    }
  }
}

/** Sends `source` to a COPY … FROM STDIN; resolves the row count the server reports. A failing source aborts the COPY (CopyFail) with its error. */
export class CopyIn {
  readonly done: Promise<number>;
  private resolve!: (rows: number) => void;
  private reject!: (error: unknown) => void;
  private rows = 0;
  private failed = false;
  private sourceError: unknown;
  /** pg sets it for submittables; unused (the promise is the result). */
  callback?: unknown;

  constructor(
    private readonly text: string,
    private readonly source: AsyncIterable<Buffer>,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: PgConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: PgConnection): void {
    void this.pump(connection);
  }

  private async pump(connection: PgConnection): Promise<void> {
    try {
      for await (const chunk of this.source) {
        if (this.failed) return;
        connection.sendCopyFromChunk(chunk);
        if (connection.stream.writableNeedDrain) await once(connection.stream, 'drain');
      }
      if (!this.failed) connection.endCopyFrom();
    } catch (error) {
      this.sourceError = error;
      if (!this.failed) connection.sendCopyFail(error instanceof Error ? error.message.slice(0, 200) : 'source failed');
    }
  }

  handleCommandComplete(message: { text?: string }): void {
    this.rows = Number(/^COPY (\d+)/.exec(message.text ?? '')?.[1] ?? 0);
  }

  handleReadyForQuery(): void {
    if (!this.failed) this.resolve(this.rows);
  }

  handleError(error: Error): void {
    this.failed = true;
    // the source's own error (a damaged backup) says more than the server's "COPY from stdin failed"
    this.reject(this.sourceError ?? error);
  }

  handleCopyData(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
}

/** Streams the output of a `COPY … TO STDOUT` statement. */
export function copyOut(client: Client, statement: string): CopyOut {
  const stream = new CopyOut(statement);
  void client.query(stream as never);
  return stream;
}

/** Feeds `source` to a `COPY … FROM STDIN` statement; resolves the rows copied. */
export function copyIn(client: Client, statement: string, source: AsyncIterable<Buffer>): Promise<number> {
  const query = new CopyIn(statement, source);
  void client.query(query as never);
  return query.done;
}
