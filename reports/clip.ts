/**
 * The start of a long cell text (a hostile URL, a stack trace: megabytes), at most `max` characters
 * with an ellipsis, never splitting a surrogate pair (which would leave invalid UTF-16).
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
