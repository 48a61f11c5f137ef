/** Pictures the simulator can attach to a text, as a phone would send an MMS: plain colours, made once. */
export type SamplePicture = { id: string; label: string; contentType: string; bytes: Uint8Array };

const decode = (base64: string): Uint8Array => Uint8Array.from(Buffer.from(base64, "base64"));

export const SAMPLE_PICTURES: readonly SamplePicture[] = [
  {
    id: "sunrise",
    label: "An orange picture (PNG)",
    contentType: "image/png",
    bytes: decode(
      "iVBORw0KGgoAAAANSUhEUgAAADAAAAAgCAIAAADbtmxLAAAAMElEQVR42u3OQQ0AAAgEoOtkWtNqC+eDjQBkul6JkJCQkJCQkJCQkJCQkJCQkNClBbEYwpcWSBdSAAAAAElFTkSuQmCC",
    ),
  },
  {
    id: "sea",
    label: "A blue picture (PNG)",
    contentType: "image/png",
    bytes: decode(
      "iVBORw0KGgoAAAANSUhEUgAAADAAAAAgCAIAAADbtmxLAAAAMUlEQVR42u3OQQ0AAAgEoOtkOEsayhbOBxsBSPW8EiEhISEhISEhISEhISEhISGhSwtjv8R56ovt5wAAAABJRU5ErkJggg==",
    ),
  },
  {
    id: "gif",
    label: "A tiny GIF",
    contentType: "image/gif",
    bytes: decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="),
  },
  {
    id: "pdf",
    label: "A PDF (not a picture X takes)",
    contentType: "application/pdf",
    bytes: new TextEncoder().encode("%PDF-1.4\n%%EOF\n"),
  },
];

export function samplePicture(id: string): SamplePicture | undefined {
  return SAMPLE_PICTURES.find((picture) => picture.id === id);
}
