/**
 * The options every command takes: cli.ts declares them once on the program, commands and the flows they
 * call extend them. Its own module, so that neither side imports the other for a type.
 */
export interface GlobalOptions {
  json?: boolean;
  profile?: string;
  provider?: string;
  color?: boolean;
}
