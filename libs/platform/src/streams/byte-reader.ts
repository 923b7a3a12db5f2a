/**
 * Reads exact byte counts from a stream of buffers (a file, a decrypted stream): what a
 * framed format needs. Holds at most the bytes asked for plus one incoming buffer.
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private pending: Buffer[] = [];
  private size = 0;
  private done = false;

  constructor(source: AsyncIterable<Buffer | Uint8Array | string>) {
    const it = source[Symbol.asyncIterator]();
    this.iterator = {
      next: async () => {
        const r = await it.next();
        return r.done ? r : { done: false, value: typeof r.value === 'string' ? Buffer.from(r.value) : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength) };
      },
      return: async () => (it.return ? (await it.return(), { done: true, value: undefined }) : { done: true, value: undefined }),
    };
  }

  /** Exactly `n` bytes; `null` when the stream ended before the first of them; `short` when it ended part-way. */
  async read(n: number): Promise<Buffer | null | 'short'> {
    while (this.size < n && !this.done) {
      const r = await this.iterator.next();
      if (r.done) this.done = true;
      else if (r.value.length) {
        this.pending.push(r.value);
        this.size += r.value.length;
      }
    }
    if (this.size < n) return this.size === 0 ? null : 'short';
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.size);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length ? [rest] : [];
    this.size = rest.length;
    return out;
  }

  /** Whether the stream has ended with nothing left to read. */
  async atEnd(): Promise<boolean> {
    return (await this.peek()) === null;
  }

  private async peek(): Promise<Buffer | null> {
    while (this.size === 0 && !this.done) {
      const r = await this.iterator.next();
      if (r.done) this.done = true;
      else if (r.value.length) {
        this.pending.push(r.value);
        this.size += r.value.length;
      }
    }
    return this.size === 0 ? null : this.pending[0]!;
  }

  /** Stops the source (a file stays open otherwise). */
  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.iterator.return?.();
    }
  }
}
