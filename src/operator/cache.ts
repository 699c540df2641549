// What the controllers read from an informer's cache. An interface of two methods, so reconcile
// steps are tested over plain arrays.
export interface Cache<T> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
}
