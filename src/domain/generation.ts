/**
 * One generation of a token: rotation replaces a token with the next generation, and the stack's
 * config records them (config/schema.ts validates the stored form against this type).
 */
export interface Generation {
  generation: number;
  /** RFC 3339: when this generation was issued, the anchor of its expiry. */
  issuedAt: string;
  /** When this generation was registered with its platform; rotation waits for use after this moment. */
  registeredAt?: string;
  /** The Cloudflare token ID that was registered: a replaced token (new ID, new value) is registered again. */
  registeredTokenId?: string;
  /**
   * Cloudflare's last_used_on right after cfct's own last use of this generation (verification);
   * only use after it is the platform's. Read from Cloudflare, so no clock is compared with another.
   */
  cfctLastUse?: string | null;
}

/** Generations per token key: the one in use, and a successor while a rotation is under way. */
export type TokenGenerations = Record<string, { active: Generation; successor?: Generation }>;
