import { describe, expect, test } from "bun:test";
import { silentLogger } from "../../test/helpers/silent-logger.ts";
import { Code, isProviderError } from "../errors.ts";
import { createMountContext } from "./mount-context.ts";

const never = new Promise<never>(() => {});

describe("createMountContext()", () => {
  test("out of budget, the signal aborts with DEADLINE_EXCEEDED naming what is still pending", async () => {
    const mount = createMountContext({ budgetMs: 20, log: silentLogger });
    const done = mount.during("a quick answer", Promise.resolve(1));
    void mount.during('ServiceAccount "ns/app" from the Kubernetes API', never);
    void mount.during('objects[0] "db" in "us-east-1"', never);
    void mount.during('objects[0] "db" in "us-east-1"', never);
    expect(await done).toBe(1);
    const error = await mount.race(never).catch((e: unknown) => e);
    expect(isProviderError(error) && error.code).toBe(Code.DeadlineExceeded);
    expect((error as Error).message).toBe(
      'Mount did not finish within its 0.0s budget; still waiting for ServiceAccount "ns/app" from the Kubernetes API, objects[0] "db" in "us-east-1"',
    );
    expect(mount.signal.reason).toBe(error);
  });

  test("a label stays pending while any await carries it", async () => {
    const mount = createMountContext({ budgetMs: 30, log: silentLogger });
    const label = 'objects[1] "p" in "eu-west-1"';
    await mount.during(label, Promise.resolve());
    void mount.during(label, never);
    await mount.during(label, Promise.resolve());
    const error = await mount.race(never).catch((e: unknown) => e);
    expect((error as Error).message).toContain(`still waiting for ${label}`);
  });

  test("cancel ends the Mount at once; race settles with the work otherwise", async () => {
    const mount = createMountContext({ budgetMs: 60_000, log: silentLogger });
    expect(await mount.race(Promise.resolve("answer"))).toBe("answer");
    mount.cancel();
    const error = await mount.race(never).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: Code.DeadlineExceeded, reason: "Cancelled" });
    mount.close();
  });

  test("close stops the budget: the signal never aborts afterwards", async () => {
    const mount = createMountContext({ budgetMs: 5, log: silentLogger });
    mount.close();
    await Bun.sleep(20);
    expect(mount.signal.aborted).toBe(false);
  });

  test("starts with an empty tally", () => {
    const mount = createMountContext({ budgetMs: 1, log: silentLogger });
    mount.close();
    expect(mount.tally).toEqual({
      awsCalls: 0,
      cacheHits: 0,
      cacheMisses: 0,
      kubeRequests: 0,
      objects: undefined,
    });
  });
});
