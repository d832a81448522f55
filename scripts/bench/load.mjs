// Load for the bench scripts: autocannon, promised.
import autocannon from "autocannon";

/**
 * A runner of autocannon loads whose options default to `defaults` (a script's connections and
 * duration in seconds, overridden per call); each run resolves to autocannon's result.
 */
export function loader(defaults) {
  return (options) => new Promise((resolve, reject) => autocannon({ ...defaults, ...options }, (err, result) => (err ? reject(err) : resolve(result))));
}
