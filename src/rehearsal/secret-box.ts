import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import path from "node:path";

export interface SealedSecret {
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
}

/**
 * Encrypts secret outputs at rest, as Pulumi's passphrase provider does for a DIY backend: token
 * values never sit in a state file as plain text. The key is a 0600 file next to the state.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static open(keyFile: string): SecretBox {
    if (!existsSync(keyFile)) {
      mkdirSync(path.dirname(keyFile), { recursive: true, mode: 0o700 });
      try {
        const fd = openSync(keyFile, "wx", 0o600);
        writeSync(fd, randomBytes(32).toString("base64"));
        closeSync(fd);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    }
    return new SecretBox(Buffer.from(readFileSync(keyFile, "utf8"), "base64"));
  }

  seal(plaintext: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return { iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64"), data: data.toString("base64") };
  }

  open(sealed: SealedSecret): string {
    const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(sealed.iv, "base64"));
    decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, "base64")), decipher.final()]).toString("utf8");
  }
}
