import { describe, expect, test } from "bun:test";
import { sleep } from "./abortable-sleep.ts";

describe("sleep()", () => {
  test("resolves after the delay", async () => {
    const started = performance.now();
    await sleep(20, new AbortController().signal);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
  });

  test("rejects with the signal's reason when it aborts, or has aborted", async () => {
    const controller = new AbortController();
    const waiting = sleep(10_000, controller.signal);
    controller.abort(new Error("deadline"));
    await expect(waiting).rejects.toThrow("deadline");
    await expect(sleep(10, controller.signal)).rejects.toThrow("deadline");
  });
});
