/** Failures a request handler can raise; `app.ts` maps them to a status and a short reason in one place. */
export class HttpError extends Error {
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions & { headers?: Record<string, string> },
  ) {
    super(message, options);
    this.name = "HttpError";
    this.headers = options?.headers ?? {};
  }
}

export const badRequest = (reason: string, options?: ErrorOptions): HttpError =>
  new HttpError(400, reason, options);
export const forbidden = (reason: string): HttpError => new HttpError(403, reason);
export const payloadTooLarge = (): HttpError => new HttpError(413, "Request body too large");
export const unsupportedMediaType = (expected: string): HttpError =>
  new HttpError(415, `Content-Type must be ${expected}`);
/** RFC 9110 section 15.5.9: a server that gives up on a slow request closes the connection. */
export const requestTimeout = (): HttpError =>
  new HttpError(408, "Request body too slow", { headers: { connection: "close" } });
