/**
 * A byte-exact multipart/form-data reader. twitter-api-v2 sends the `media` part of an APPEND without a
 * filename, so `Request.formData()` treats it as a text field and UTF-8-decodes (corrupts) the image bytes.
 */
export function readMultipart(body: Uint8Array, contentType: string): Map<string, Uint8Array> | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const token = boundary?.[1] ?? boundary?.[2];
  if (!token) return null;
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = Buffer.from(`--${token}`);
  const parts = new Map<string, Uint8Array>();
  let start = buffer.indexOf(delimiter);
  if (start < 0) return null;
  while (true) {
    start += delimiter.length;
    if (buffer.subarray(start, start + 2).toString() === "--") return parts;
    const end = buffer.indexOf(delimiter, start);
    if (end < 0) return null;
    const part = buffer.subarray(start + 2, end - 2);
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd < 0) return null;
    const name = /name="([^"]*)"/i.exec(part.subarray(0, headerEnd).toString("utf8"))?.[1];
    if (name !== undefined) parts.set(name, new Uint8Array(part.subarray(headerEnd + 4)));
    start = end;
  }
}
