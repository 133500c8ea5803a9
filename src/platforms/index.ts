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

/** The platform catalog: adding a platform is one file plus one line here. */
export const PLATFORMS: Readonly<Record<string, PlatformDefinition>> = Object.freeze({
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
});

export type PlatformCatalog = Readonly<Record<string, PlatformDefinition>>;

export function platformKeys(catalog: PlatformCatalog = PLATFORMS): string[] {
  return Object.keys(catalog).sort();
}
