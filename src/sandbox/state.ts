import type { Authorizer } from "./authz/authorizer";
import type { Behaviours } from "./behaviours";
import type { SandboxClock } from "./clock";
import type { Inventory } from "./inventory";
import type { PermissionCatalog } from "./permission-catalog";
import type { TokenStore } from "./tokens/token-store";

/** What route handlers read and change: the world, the issued tokens and the clock. */
export interface SandboxState {
  readonly inventory: Inventory;
  readonly catalog: PermissionCatalog;
  readonly tokens: TokenStore;
  readonly clock: SandboxClock;
  readonly authorizer: Authorizer;
  /** How this sandbox behaves where Cloudflare's behaviour is disputed (behaviours.ts). */
  readonly behaviours: Behaviours;
}
