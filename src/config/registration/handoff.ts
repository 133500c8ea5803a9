import { z } from "zod";

export const handoffConfigSchema = z.strictObject({
  kind: z.literal("handoff"),
  dir: z
    .string()
    .min(1, { error: "is empty. Fix: remove dir to use the default, or name a directory" })
    .optional()
    .describe(
      "Directory for hand-off sheets (0700; each sheet 0600). `~/` is the home directory; relative paths are relative to the working directory. " +
        "Default: $CFCT_HANDOFF_DIR, else ~/.cfct/handoff/<stack>. Inside a git work tree it must be git-ignored.",
    ),
});

export type HandoffConfig = z.infer<typeof handoffConfigSchema>;
