/** A Cloudflare ID (account, zone, user, token): 32 lowercase hex characters, as a pattern to embed. */
export const HEX32_PATTERN = "[0-9a-f]{32}";

/** Exactly one Cloudflare ID. */
export const HEX32 = new RegExp(`^${HEX32_PATTERN}$`);
