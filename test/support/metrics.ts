import { expect } from "bun:test";

/** One sample of a scrape: its metric name, labels and value. */
export type Sample = { name: string; labels: Record<string, string>; value: number };

/** Scrapes `/metrics` as Prometheus would and reads the text format (prom-client prints no escapes we use). */
export async function scrape(appUrl: string, init: RequestInit = {}): Promise<Sample[]> {
  const response = await fetch(`${appUrl}/metrics`, init);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
  return parseExposition(await response.text());
}

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const match = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g))
      labels[key ?? ""] = value ?? "";
    samples.push({ name: match[1] ?? "", labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the sample named `name` whose labels include `labels`; 0 when there is none (never counted). */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  return found.reduce((sum, sample) => sum + sample.value, 0);
}
