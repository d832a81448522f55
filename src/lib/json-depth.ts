/**
 * How deep free-form JSON (product `metadata`, image `classifications`) may
 * nest. Attributes and hints need a few levels; 32 leaves room and stays far
 * below any runtime's stack, so serializing an accepted value (JSON.stringify
 * recurses) can never overflow it.
 */
export const JSON_MAX_DEPTH = 32;

/**
 * True when `value` nests deeper than `max` levels (`{}` and `[]` are one
 * level; a scalar none). The walk is iterative, with an explicit stack, so
 * the answer does not depend on the runtime's stack size: a 1 MB body can
 * nest ~500 000 levels, which recursion would not survive everywhere. It stops
 * at the first container past `max`.
 */
export function nestsDeeperThan(value: unknown, max: number = JSON_MAX_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [node, depth] = top;
    if (typeof node !== "object" || node === null) continue;
    if (depth > max) return true;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}
