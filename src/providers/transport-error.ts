/**
 * The outcome of a request that may or may not have reached the provider. `sent: false` is proof that
 * nothing left this machine (connection refused, rate limited before processing): the transfer can go
 * back to `queued`. Anything else is uncertain: the transfer becomes `unknown`.
 */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly sent: boolean,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}
