/** Cloudflare's v4 response envelope. */

export interface CloudflareMessage {
  readonly code: number;
  readonly message: string;
  readonly error_chain?: readonly CloudflareMessage[];
  /** On a 403 that denies a request: the endpoint's API documentation (changelog 2026-08-20). */
  readonly documentation_url?: string;
}

export interface ResultInfo {
  readonly page: number;
  readonly per_page: number;
  readonly count: number;
  readonly total_count: number;
  readonly total_pages: number;
}

export interface SuccessEnvelope {
  readonly result: unknown;
  readonly success: true;
  readonly errors: readonly CloudflareMessage[];
  readonly messages: readonly (CloudflareMessage & { readonly type: null })[];
  readonly result_info?: ResultInfo;
}

export interface FailureEnvelope {
  readonly success: false;
  readonly errors: readonly CloudflareMessage[];
  readonly messages: readonly CloudflareMessage[];
  readonly result: null;
}

export function successEnvelope(result: unknown, resultInfo?: ResultInfo, messages: SuccessEnvelope["messages"] = []): SuccessEnvelope {
  return { result, success: true, errors: [], messages, ...(resultInfo ? { result_info: resultInfo } : {}) };
}

export function failureEnvelope(errors: readonly CloudflareMessage[]): FailureEnvelope {
  return { success: false, errors, messages: [], result: null };
}

/** A refusal the pipeline renders as a failure envelope with this status and headers. */
export class ApiError extends Error {
  override name = "ApiError";

  constructor(
    readonly status: number,
    readonly errors: readonly CloudflareMessage[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(errors.map((e) => `${e.code} ${e.message}`).join("; "));
  }
}
