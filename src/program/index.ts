// Pulumi entry point (Pulumi.yaml `main`): the exported async function's result becomes the stack outputs.
import { complianceTokensProgram } from "./program";

export = () => complianceTokensProgram();
