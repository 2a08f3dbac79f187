import { describe, expect, test } from "bun:test";
import { createSemaphore } from "./create-semaphore.ts";

describe("createSemaphore()", () => {
  test("runs at most `limit` tasks at once, in arrival order", async () => {
    const semaphore = createSemaphore(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (i: number) =>
      semaphore.run(new AbortController().signal, async () => {
        running++;
        peak = Math.max(peak, running);
        await Bun.sleep(5);
        order.push(i);
        running--;
      });
    await Promise.all([0, 1, 2, 3, 4].map(task));
    expect(peak).toBe(2);
    expect(order.slice(0, 2).sort()).toEqual([0, 1]);
    expect(semaphore.active).toBe(0);
  });

  test("a waiter whose signal aborts leaves the queue", async () => {
    const semaphore = createSemaphore(1);
    const gate = Promise.withResolvers<void>();
    const first = semaphore.run(new AbortController().signal, () => gate.promise);
    const controller = new AbortController();
    const waiting = semaphore.run(controller.signal, async () => "never");
    expect(semaphore.waiting).toBe(1);
    controller.abort(new Error("deadline"));
    await expect(waiting).rejects.toThrow("deadline");
    expect(semaphore.waiting).toBe(0);
    gate.resolve();
    await first;
    expect(await semaphore.run(new AbortController().signal, async () => "free")).toBe("free");
  });
});
