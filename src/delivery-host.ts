import type { Config } from "./config";
import type { Delivery } from "./delivery";
import type { Logger } from "./log";
import type { Measure, Measurement } from "./ops/measure";

/** What the main thread says to the delivery thread. */
export type ToThread = "wake" | "stop";

/** What the delivery thread says back: its life, and each request it made to X or Twilio (for /metrics). */
export type FromThread = "started" | "stopped" | { measurement: Measurement };

export type DeliveryThread = Pick<Delivery, "wake" | "stop">;

/**
 * Starts delivery in its own thread (`delivery-thread.ts`) and resolves once it works the queue. Wakes are
 * coalesced to one message per turn of the event loop: a burst of webhooks costs the thread one claim.
 */
export async function startDeliveryThread(
  config: Config,
  logger: Logger,
  measure?: Measure,
): Promise<DeliveryThread> {
  // smol: the thread's heap is collected more eagerly; it holds little between jobs. The config goes over as
  // it is (a clone), whichever entry parsed it: Bun hands `workerData` to node:worker_threads in the thread,
  // though its WorkerOptions type does not list it.
  const options: WorkerOptions & { workerData: Config } = { smol: true, workerData: config };
  const worker = new Worker(new URL("./delivery-thread.ts", import.meta.url), options);
  const stopped = Promise.withResolvers<void>();
  const started = Promise.withResolvers<void>();
  worker.onmessage = (event: MessageEvent<FromThread>): void => {
    const { data } = event;
    if (typeof data === "object") measure?.(data.measurement);
    else (data === "started" ? started : stopped).resolve();
  };
  worker.onerror = (event: ErrorEvent): void => {
    logger.error("delivery.thread_failed", { error: event.message });
    started.reject(new Error(`the delivery thread failed to start: ${event.message}`));
    // A delivery thread that died takes the process down: a supervisor restarts it, and nothing is lost.
    process.exit(1);
  };
  await started.promise;
  let wakeQueued = false;
  return {
    wake() {
      if (wakeQueued) return;
      wakeQueued = true;
      setImmediate(() => {
        wakeQueued = false;
        worker.postMessage("wake" satisfies ToThread);
      });
    },
    async stop() {
      worker.postMessage("stop" satisfies ToThread);
      await stopped.promise;
      worker.terminate();
    },
  };
}
