import { attr } from "../web/escape";
import { linkify } from "./conversation";

/** A text with its URLs clickable. Every run is escaped: the text is whatever a texter typed. */
export function LinkedText({ text }: { text: string }): JSX.Element {
  return (
    <>
      {linkify(text).map((segment) =>
        segment.href === undefined ? (
          <span safe>{segment.text}</span>
        ) : (
          <a href={attr(segment.href)} safe>
            {segment.text}
          </a>
        ),
      )}
    </>
  );
}
