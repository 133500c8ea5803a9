/** Who owns a token: the provisioner's user (cloudflare.ApiToken) or one account (cloudflare.AccountToken). */
export type TokenOwner = { readonly kind: "user" } | { readonly kind: "account"; readonly accountId: string };
