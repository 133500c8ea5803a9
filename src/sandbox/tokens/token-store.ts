import { randomBytes } from "node:crypto";
import type { Behaviours } from "../behaviours";
import { hashTokenValue, newTokenValue } from "./token-values";
import { isSameOwner, type SandboxToken, type TokenOwner, type TokenSpec } from "./token";

export interface IssuedToken {
  readonly token: SandboxToken;
  /** Returned to the caller once and then forgotten: the store keeps only its hash. */
  readonly value: string;
}

/** All tokens the sandbox has issued, by ID and by value hash. */
export class TokenStore {
  private readonly byId = new Map<string, SandboxToken>();
  private readonly idByHash = new Map<string, string>();

  constructor(
    private readonly prefix: string,
    private readonly format: Behaviours["tokenValueFormat"],
  ) {}

  /** `createdBy`: the user whose token created an account-owned token (Cloudflare's creator metadata). */
  issue(
    spec: TokenSpec,
    owner: TokenOwner,
    now: Date,
    id: string = randomBytes(16).toString("hex"),
    createdBy: string | null = null,
  ): IssuedToken {
    const value = newTokenValue(this.prefix, this.format, owner.kind);
    const token: SandboxToken = {
      ...spec,
      id,
      owner,
      createdBy,
      issuedOn: now,
      modifiedOn: now,
      lastUsedOn: null,
      exposedOn: null,
      valueHash: hashTokenValue(value),
    };
    this.byId.set(id, token);
    this.idByHash.set(token.valueHash, id);
    return { token, value };
  }

  findByValue(value: string): SandboxToken | undefined {
    const id = this.idByHash.get(hashTokenValue(value));
    return id === undefined ? undefined : this.byId.get(id);
  }

  get(id: string): SandboxToken | undefined {
    return this.byId.get(id);
  }

  /** Tokens of one owner, oldest first (the order Cloudflare's lists page through). */
  ownedBy(owner: TokenOwner): SandboxToken[] {
    return [...this.byId.values()].filter((t) => isSameOwner(t.owner, owner));
  }

  all(): SandboxToken[] {
    return [...this.byId.values()];
  }

  /** PUT: the token keeps its ID, value and issue time. */
  update(id: string, spec: TokenSpec, now: Date): SandboxToken {
    return this.replace(id, { ...spec, modifiedOn: now });
  }

  /**
   * Roll: a new value; the old one stops working at once (Cloudflare documents no grace period). A
   * token deactivated as exposed works again with its new value ("you can then roll or delete the token").
   */
  roll(id: string, now: Date): string {
    const current = this.require(id);
    const value = newTokenValue(this.prefix, this.format, current.owner.kind);
    this.idByHash.delete(current.valueHash);
    const rolled = this.replace(id, { valueHash: hashTokenValue(value), modifiedOn: now, exposedOn: null });
    this.idByHash.set(rolled.valueHash, id);
    return value;
  }

  /** Records an authenticated request (last_used_on: rotation watches it to see a new token picked up). */
  markUsed(id: string, now: Date): SandboxToken {
    return this.replace(id, { lastUsedOn: now });
  }

  /** Cloudflare found the value exposed (e.g. by GitHub secret scanning) and deactivated the token. */
  expose(id: string, now: Date): SandboxToken {
    return this.replace(id, { exposedOn: now });
  }

  delete(id: string): void {
    const token = this.require(id);
    this.idByHash.delete(token.valueHash);
    this.byId.delete(id);
  }

  private replace(id: string, changes: Partial<SandboxToken>): SandboxToken {
    const next = { ...this.require(id), ...changes };
    this.byId.set(id, next);
    return next;
  }

  private require(id: string): SandboxToken {
    const token = this.byId.get(id);
    if (!token) throw new Error(`token ${id} does not exist`);
    return token;
  }
}
