import type { Registrar } from "../registration";
import type { ChangeCount } from "./change-count";

/**
 * The registrar, recording a change for every registration begun and every one removed: a registration
 * that began may have reached the platform whatever it reports, and removing one changes the platform too.
 */
export function changeNoticingRegistrar(registrar: Registrar, changes: ChangeCount): Registrar {
  const { deregister } = registrar;
  return {
    kind: registrar.kind,
    register: (request) => {
      changes.record();
      return registrar.register(request);
    },
    ...(registrar.refusal ? { refusal: registrar.refusal.bind(registrar) } : {}),
    ...(registrar.withdraw ? { withdraw: registrar.withdraw.bind(registrar) } : {}),
    ...(deregister
      ? {
          deregister: (request) => {
            changes.record();
            return deregister.call(registrar, request);
          },
        }
      : {}),
  };
}
