/**
 * The ultralytics `names` metadata: the Python repr of a {index: name} dict, e.g. "{0: 'person', 1: 'bicycle'}".
 * Strings are quoted the way Python's repr() quotes them, so names containing quotes round-trip.
 */
export function formatNamesMetadata(names: readonly string[]): string {
  return `{${names.map((name, index) => `${index}: ${pythonStringRepr(name)}`).join(', ')}}`;
}

function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/[\\\n\r\t]/g, (ch) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[ch]!);
  return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
}
