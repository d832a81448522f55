// Which source file a line of an UNminified deploy bundle came from, for the profilers
// (scripts/cpu-profile.mjs, scripts/thread-profile.mjs).

/** Line → source file, from the `// src/…` / `// node_modules/…` markers esbuild writes in an unminified bundle. */
export function fileIndex(bundleText) {
  const marks = [];
  bundleText.split("\n").forEach((line, i) => {
    const m = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(line);
    if (m) marks.push([i, m[1]]);
  });
  return (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found = "(bundle prelude)";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid][0] <= line) {
        found = marks[mid][1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found.replace(/^node_modules\/(@[^/]+\/[^/]+|[^/]+)\/.*/, "$1");
  };
}
