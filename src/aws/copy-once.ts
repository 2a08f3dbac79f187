/**
 * A function that gives the copy `make()` builds of an original, building it on the first call
 * only. Copies live as long as their originals (a WeakMap) and are never shared between two: the
 * AWS wrappers use it because `AwsApis` hands out one object per identity and region, every Mount
 * asks for it again, and wrapping it costs more than the lookup.
 */
export function createCopyOnce(): <T extends object>(original: T, make: () => T) => T {
  const copies = new WeakMap<object, object>();
  return <T extends object>(original: T, make: () => T): T => {
    let copy = copies.get(original) as T | undefined;
    if (copy === undefined) {
      copy = make();
      copies.set(original, copy);
    }
    return copy;
  };
}
