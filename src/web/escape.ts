import { escapeHtml } from "@kitajs/html";

/**
 * For user-derived attribute values. @kitajs/html only turns `"` into `&#34;` in attributes: safe inside
 * quotes, but `&lt;` typed by a user would come back as `<`. Escaping everything keeps the value exact,
 * and leaves no raw `<` anywhere in the page for a careless reader (or filter) to trip over.
 */
export function attr(value: string): string {
  return escapeHtml(value);
}
