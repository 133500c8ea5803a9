/**
 * Counts the 401/403 answers one credential gets. After one, no check's verdict stands until that
 * credential's liveness is re-checked: it may have been revoked mid-run.
 */
export class RefusalCount {
  #count = 0;

  get count(): number {
    return this.#count;
  }

  /** `send`, counting the refusals among its answers: what the caller gives the credential's client to send with. */
  observe(send: typeof globalThis.fetch): typeof globalThis.fetch {
    return async (request, init) => {
      const response = await send(request, init);
      if (response.status === 401 || response.status === 403) this.#count += 1;
      return response;
    };
  }
}
