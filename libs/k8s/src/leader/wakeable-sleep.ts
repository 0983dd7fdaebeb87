/**
 * A sleep another part of the process can cut short. A wake() while nobody sleeps is kept for the next sleep,
 * so news that arrives during an attempt is not lost.
 */
export class WakeableSleep {
  private pending = false;
  private resolve: (() => void) | undefined;

  for(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.resolve = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.resolve = done;
    });
  }

  wake(): void {
    if (this.resolve === undefined) this.pending = true;
    else this.resolve();
  }
}
