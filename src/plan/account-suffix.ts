/** How many hex digits of its account ID a per-account token's key carries: `ascera-417daa9d`. */
export const ACCOUNT_SUFFIX_LENGTH = 8;

/**
 * The suffix of each account's per-account token key (and the component's resource name) in one
 * connection: the account ID's first 8 hex digits, lengthened only where two accounts share them.
 * The first account listed keeps its 8 digits and each later one takes the shortest prefix no other
 * account of the connection shares, so a key never changes for an account already deployed as long
 * as new accounts are added after it (a changed key would replace that account's token).
 */
export function accountSuffixes(accounts: readonly string[]): Map<string, string> {
  const suffixes = new Map<string, string>();
  accounts.forEach((account, index) => {
    const short = account.slice(0, ACCOUNT_SUFFIX_LENGTH);
    const earlier = accounts.slice(0, index).some((other) => other !== account && other.startsWith(short));
    if (!earlier) {
      suffixes.set(account, short);
      return;
    }
    const others = accounts.filter((other) => other !== account);
    let length = ACCOUNT_SUFFIX_LENGTH + 1;
    while (length < account.length && others.some((other) => other.startsWith(account.slice(0, length)))) length += 1;
    suffixes.set(account, account.slice(0, length));
  });
  return suffixes;
}
