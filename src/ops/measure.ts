/**
 * What the X and Twilio adapters report about each request they make. A plain function, so the adapters
 * know nothing of prom-client, and the delivery thread can forward the same values to the main thread.
 */
export type Measurement =
  /** `endpoint`: X's path with ids replaced by `:id`; `status`: the HTTP status, `2xx`, or `network`. */
  | { kind: "x_request"; endpoint: string; status: string; seconds: number }
  | { kind: "twilio_request"; status: string; seconds: number };

export type Measure = (measurement: Measurement) => void;
