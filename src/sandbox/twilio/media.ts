import { cdnToken, twilioSid } from "./ids";

type StoredMedia = { bytes: Uint8Array<ArrayBuffer>; contentType: string; token: string };

export const CDN_PREFIX = "/cdn/";

/**
 * MMS attachments. Real Twilio media URLs answer an authenticated GET with a 307 to a pre-signed CDN URL
 * on another origin, so clients must follow redirects and must not carry the credentials along.
 */
export class MediaStore {
  readonly #accountSid: string;
  readonly #byPath = new Map<string, StoredMedia>();
  readonly #byToken = new Map<string, StoredMedia>();

  constructor(accountSid: string) {
    this.#accountSid = accountSid;
  }

  /** Returns the media path, relative to the stand-in's base URL. */
  add(bytes: Uint8Array, contentType: string): string {
    const path = `/2010-04-01/Accounts/${this.#accountSid}/Messages/${twilioSid("MM")}/Media/${twilioSid("ME")}`;
    const media = { bytes: new Uint8Array(bytes), contentType, token: cdnToken() };
    this.#byPath.set(path, media);
    this.#byToken.set(media.token, media);
    return path;
  }

  has(path: string): boolean {
    return this.#byPath.has(path);
  }

  /** The 307 for an authenticated media request; `cdnOrigin` is where the bytes are served. */
  redirect(path: string, cdnOrigin: string): Response | null {
    const media = this.#byPath.get(path);
    if (media === undefined) return null;
    return new Response(null, {
      status: 307,
      headers: { location: `${cdnOrigin}${CDN_PREFIX}${media.token}` },
    });
  }

  serve(token: string): Response | null {
    const media = this.#byToken.get(token);
    if (media === undefined) return null;
    return new Response(media.bytes, {
      headers: { "content-type": media.contentType, "content-length": String(media.bytes.byteLength) },
    });
  }
}
