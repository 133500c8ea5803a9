import { complianceTokensProgram } from "./program";

/** The Pulumi entry point (Pulumi.yaml `main`): the stack program, whose result becomes the stack outputs. */
export = () => complianceTokensProgram();
