/**
 * How many live event streams each tenant holds open on this replica, capped: a stream is a
 * connection, a timer and a LISTEN subscription for as long as the run lasts.
 */
export class StreamSlots {
  private readonly open = new Map<string, number>();

  constructor(private readonly perTenant: number) {}

  /** A slot for one more stream of the tenant, released by the function returned (once); null when none is free. */
  take(tenantId: string): (() => void) | null {
    const used = this.open.get(tenantId) ?? 0;
    if (used >= this.perTenant) return null;
    this.open.set(tenantId, used + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(tenantId) ?? 1) - 1;
      if (left > 0) this.open.set(tenantId, left);
      else this.open.delete(tenantId);
    };
  }

  used(tenantId: string): number {
    return this.open.get(tenantId) ?? 0;
  }
}
