/**
 * The slice of `node:async_hooks` Drape uses (workerd provides it under
 * `nodejs_compat`; the generated Worker types do not declare Node modules).
 */
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    run<R>(store: T, fn: () => R): R;
    getStore(): T | undefined;
  }
}
