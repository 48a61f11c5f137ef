import { connectAll, deliver, phones, presign, startBenchService } from "./fixture";
import { ms, printTable, rate, ratio, until } from "./report";

export type DeliveryShape = { numbers: number; texts: number };

type Row = {
  shape: DeliveryShape;
  elapsedMs: number;
  idealMs: number;
  xCallsPerPost: number;
  inOrder: boolean;
};

/**
 * From the first webhook to the last confirmation SMS at the Twilio stand-in, for `numbers` connected
 * numbers texting `texts` times each, with X taking `xDelayMs` per call. Each number sends its texts one
 * after another (as a phone does); numbers text side by side. Ideal: numbers fully concurrent, each
 * number's posts in order, so about `texts × xDelayMs`.
 */
async function measure(shape: DeliveryShape, xDelayMs: number, offset: number): Promise<Row> {
  const svc = await startBenchService();
  try {
    const numbers = phones(shape.numbers, offset);
    await connectAll(svc, numbers);
    const hooks = numbers.map((phone, n) =>
      Array.from({ length: shape.texts }, (_, k) => presign(svc, phone, `bench number ${n} text ${k}`)),
    );
    const sentBefore = svc.twilio.standIn.messages().length;
    const xCallsBefore = svc.x.standIn.requests.length;
    const expected = sentBefore + shape.numbers * shape.texts;
    svc.x.standIn.delayMs = xDelayMs;

    const started = performance.now();
    await Promise.all(
      hooks.map(async (ofNumber) => {
        for (const hook of ofNumber) await deliver(svc, hook);
      }),
    );
    const done = await until(
      () => svc.twilio.standIn.messages().length >= expected,
      `${shape.numbers * shape.texts} confirmations`,
    );
    const xCalls = svc.x.standIn.requests.length - xCallsBefore;

    const posts = svc.x.standIn.posts();
    const inOrder = numbers.every((_, n) => {
      const mine = posts.filter((p) => p.text.startsWith(`bench number ${n} text `)).map((p) => p.text);
      return mine.length === shape.texts && mine.every((text, k) => text === `bench number ${n} text ${k}`);
    });
    return {
      shape,
      elapsedMs: done - started,
      idealMs: shape.texts * xDelayMs,
      xCallsPerPost: xCalls / (shape.numbers * shape.texts),
      inOrder,
    };
  } finally {
    svc.x.standIn.delayMs = 0;
    await svc.stop();
  }
}

export async function deliveryBench(shapes: readonly DeliveryShape[], xDelayMs: number): Promise<void> {
  const rows: Row[] = [];
  for (const [i, shape] of shapes.entries()) rows.push(await measure(shape, xDelayMs, i * 100));
  printTable(
    `2. Delivery throughput — first webhook to last confirmation SMS, X answering in ${xDelayMs} ms`,
    [
      "numbers × texts",
      "elapsed",
      "posts/s",
      "ideal",
      "ideal posts/s",
      "elapsed/ideal",
      "posts in flight",
      "X calls/post",
      "order",
    ],
    rows.map((r) => {
      const posts = r.shape.numbers * r.shape.texts;
      return [
        `${r.shape.numbers} × ${r.shape.texts}`,
        ms(r.elapsedMs),
        rate((posts / r.elapsedMs) * 1000),
        ms(r.idealMs),
        rate((posts / r.idealMs) * 1000),
        ratio(r.elapsedMs / r.idealMs),
        ((posts / r.elapsedMs) * xDelayMs).toFixed(1),
        r.xCallsPerPost.toFixed(2),
        r.inOrder ? "kept" : "BROKEN",
      ];
    }),
  );
  console.log("posts in flight = posts/s × X's delay: the average number of numbers being worked at once");
}
