export type { EngineBreakerView } from "./breaker";
export { admitEngine, listEngineBreakers, reportEngine, resetEngineBreaker } from "./breaker";
