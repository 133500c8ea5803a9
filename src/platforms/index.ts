import { ascera } from "./ascera";
import { conductorone } from "./conductorone";
import { conductoroneZeroTrust } from "./conductorone-zero-trust";
import { datadog } from "./datadog";
import { drata } from "./drata";
import { iru } from "./iru";
import { jumpcloud } from "./jumpcloud";
import { oneleet } from "./oneleet";
import { ploy } from "./ploy";
import { scytale } from "./scytale";
import { splunkCloudflareAudit } from "./splunk-cloudflare-audit";
import { surecloud } from "./surecloud";
import { trelica } from "./trelica";
import type { PlatformDefinition } from "./types";

export { TOKEN_EXPIRES_FIELD, definePlatform, platformProblems } from "./types";
export type { PlatformDefinition, PlatformInput, HandoffField } from "./types";

/** The built-in platforms by key: adding a platform is one file plus one line here. */
const BUILT_IN = {
  [ascera.key]: ascera,
  [conductorone.key]: conductorone,
  [conductoroneZeroTrust.key]: conductoroneZeroTrust,
  [datadog.key]: datadog,
  [drata.key]: drata,
  [iru.key]: iru,
  [jumpcloud.key]: jumpcloud,
  [oneleet.key]: oneleet,
  [ploy.key]: ploy,
  [scytale.key]: scytale,
  [splunkCloudflareAudit.key]: splunkCloudflareAudit,
  [surecloud.key]: surecloud,
  [trelica.key]: trelica,
} as const satisfies PlatformCatalog;

/** The key of a built-in platform (`"drata"`, `"ascera"`, …): what editors offer for a ComplianceToken's `platform`. */
export type PlatformKey = keyof typeof BUILT_IN;

export type PlatformCatalog = Readonly<Record<string, PlatformDefinition>>;

/** The platform catalog: the built-in platforms, looked up by any key (a stack file's `platform: …`). */
export const PLATFORMS: PlatformCatalog = Object.freeze(BUILT_IN);

export function platformKeys(catalog: PlatformCatalog = PLATFORMS): string[] {
  return Object.keys(catalog).sort();
}
