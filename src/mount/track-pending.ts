/**
 * Marks `label` as pending until the returned callback runs, so a deadline can name what the
 * Mount was still waiting for (set per request by the server; a no-op elsewhere).
 */
export type Track = (label: string) => () => void;

/** A {@link Track} that records nothing. */
export const trackNothing: Track = () => () => {};

/** Awaits `work` while `label` is marked pending. */
export async function during<T>(track: Track, label: string, work: Promise<T>): Promise<T> {
  const done = track(label);
  try {
    return await work;
  } finally {
    done();
  }
}
