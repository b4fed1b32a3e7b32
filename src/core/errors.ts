/** Exit codes are part of the CLI's contract (DESIGN.md → Output). */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  invalidInput: 3,
  config: 4,
  partial: 5,
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorKind = 'failed' | 'usage' | 'invalidInput' | 'config' | 'partial' | 'cancelled';

/**
 * An error meant for a person: `message` is one line that names the value and says what to do.
 * Anything that is not an AirtimeError reaching the CLI's edge is a bug and is reported as one.
 */
export class AirtimeError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;

  constructor(kind: ErrorKind, message: string, hint?: string) {
    super(message);
    this.name = 'AirtimeError';
    this.kind = kind;
    this.hint = hint;
  }

  get exitCode(): ExitCode {
    return ExitCode[this.kind];
  }
}

/**
 * An error met before a provider request was made (an access token that could not be had): it proves that
 * request never left this machine, so what it would have sent is `not sent`, not `unknown`. Kind, message and
 * hint are the cause's.
 */
export class BeforeRequestError extends AirtimeError {
  constructor(cause: unknown) {
    super(
      cause instanceof AirtimeError ? cause.kind : 'failed',
      cause instanceof Error ? cause.message : String(cause),
      (cause instanceof AirtimeError ? cause.hint : undefined) ?? 'nothing was sent: the same command (with the same key) sends it once this is fixed',
    );
    this.name = 'BeforeRequestError';
  }
}

export const invalidInput = (message: string, hint?: string) => new AirtimeError('invalidInput', message, hint);
export const usageError = (message: string, hint?: string) => new AirtimeError('usage', message, hint);
export const configError = (message: string, hint?: string) => new AirtimeError('config', message, hint);
export const failedError = (message: string, hint?: string) => new AirtimeError('failed', message, hint);

export function isAirtimeError(error: unknown): error is AirtimeError {
  return error instanceof AirtimeError;
}
