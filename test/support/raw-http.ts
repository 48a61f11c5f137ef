import { connect } from "node:net";

export type RawAnswer = {
  /** Everything the server sent, as latin1 text. */
  answer: string;
  /** Bytes of the body written before the server closed the connection (all of them if it never did). */
  bodyBytesSent: number;
  /** From the first byte written until the connection closed. */
  elapsedMs: number;
};

/**
 * Writes `head` at once, then `body` one byte every `gapMs` (a slow or hostile client), and waits until
 * the server closes the connection. `head` is sent exactly as given: no client library tidies it up.
 */
export function trickle(port: number, head: string, body: string, gapMs: number): Promise<RawAnswer> {
  return new Promise((resolve) => {
    let answer = "";
    let sent = 0;
    let timer: ReturnType<typeof setInterval> | undefined;
    const started = performance.now();
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent >= body.length || socket.destroyed) return clearInterval(timer);
        socket.write(body.slice(sent, sent + 1));
        sent++;
      }, gapMs);
    });
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ answer, bodyBytesSent: sent, elapsedMs: performance.now() - started });
    });
  });
}

/** The status line's code of a raw answer, or null when the server sent nothing. */
export function statusOfRaw(answer: string): number | null {
  const match = answer.match(/^HTTP\/1\.1 (\d{3})/);
  return match ? Number(match[1]) : null;
}
