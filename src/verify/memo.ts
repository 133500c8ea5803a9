/**
 * What the verifications of one command share, so that each is asked of Cloudflare once per
 * command instead of once per token: the endpoint probe of a base URL, and an owner's
 * permission-group list. Only answers worth keeping are kept: a probe that failed, or a list that
 * could not be read, is asked again by the next token.
 */
export class VerifyMemo {
  private readonly answers = new Map<string, Promise<unknown>>();

  /** `compute`'s answer for `key`, computed once while `keep` accepts it; `reused` when an earlier caller computed it. */
  async once<T>(
    key: string,
    compute: () => Promise<T>,
    keep: (answer: T) => boolean = () => true,
  ): Promise<{ answer: T; reused: boolean }> {
    const known = this.answers.get(key) as Promise<T> | undefined;
    if (known) return { answer: await known, reused: true };
    const answer = compute();
    this.answers.set(key, answer);
    const forget = () => {
      if (this.answers.get(key) === answer) this.answers.delete(key);
    };
    answer.then((value) => (keep(value) ? undefined : forget()), forget);
    return { answer: await answer, reused: false };
  }
}
