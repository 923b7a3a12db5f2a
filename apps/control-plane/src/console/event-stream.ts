/** The parts of Fastify's reply an event stream needs. */
export interface EventStreamReply {
  hijack(): void;
  raw: {
    writeHead(status: number, headers: Record<string, string>): unknown;
    write(chunk: string): boolean;
    end(): unknown;
    once(event: 'close', listener: () => void): unknown;
  };
}

/** A comment line this often keeps proxies from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;

/**
 * Opens a server-sent event stream on `reply` (taken over from Nest); `send` writes one
 * event, `end` closes it; `onClose` runs once, whoever closed it (the client leaving too).
 */
export function openEventStream(reply: EventStreamReply, onClose: () => void): { send(event: string, data: unknown): void; end(): void } {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
  let open = true;
  const timer = setInterval(() => open && raw.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  timer.unref();
  const close = () => {
    if (!open) return;
    open = false;
    clearInterval(timer);
    onClose();
  };
  raw.once('close', close);
  return {
    send(event, data) {
      if (open) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      if (!open) return;
      close();
      raw.end();
    },
  };
}
