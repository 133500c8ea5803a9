/**
 * How many times one command's pipeline may have changed something (a deploy that changed tokens, a
 * deleted leftover, a registration begun). A run compares the count before and after it stops to tell
 * "nothing changed" from "changed, then stopped".
 */
export class ChangeCount {
  private recorded = 0;

  record(): void {
    this.recorded += 1;
  }

  get total(): number {
    return this.recorded;
  }
}
