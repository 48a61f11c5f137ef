/** Failures a request handler can raise; `app.ts` maps them to a status and a short reason in one place. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "HttpError";
  }
}

export const badRequest = (reason: string): HttpError => new HttpError(400, reason);
export const forbidden = (reason: string): HttpError => new HttpError(403, reason);
export const payloadTooLarge = (): HttpError => new HttpError(413, "Request body too large");
export const unsupportedMediaType = (expected: string): HttpError =>
  new HttpError(415, `Content-Type must be ${expected}`);
