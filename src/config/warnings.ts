import { ipFilterOverlap, ipFilterWarnings } from "./ip-filter";
import type { Settings } from "./schema";

/**
 * What a valid stack config is still likely to get wrong, one line per finding, naming the
 * connection: shown by `cfct plan`, `cfct diff`, and before `cfct up` and `cfct rotate` deploy.
 */
export function configWarnings(settings: Pick<Settings, "connections">): string[] {
  return settings.connections.flatMap((connection) =>
    ipFilterWarnings(ipFilterOverlap(connection.token.allowedIps, connection.token.deniedIps)).map(
      (warning) => `connection ${connection.name}: ${warning}`,
    ),
  );
}
