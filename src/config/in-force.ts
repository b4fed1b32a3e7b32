/**
 * The context a printed next step must carry so that, typed as printed, it acts where this command acted
 * (issue 23): the profile and provider chosen by flag when a bare command would use others. A hint that
 * says `airtime config set api-key` after `send --profile at` would write the key on another profile.
 *
 * Set once per process by resolveSettings (a CLI process runs one command); read by every hint builder,
 * providers included (they never print, but their errors name the command that fixes them).
 */
let profileFlag = '';
let providerFlag = '';

export function setInForce(flags: { profile?: string | undefined; provider?: string | undefined }): void {
  profileFlag = flags.profile ? ` --profile ${flags.profile}` : '';
  providerFlag = flags.provider ? ` --provider ${flags.provider}` : '';
}

/**
 * `airtime <command>` with the flags in force. `setting`: a command that edits the profile (config set):
 * only `--profile` matters. `provider`: a command that talks to the provider (wallet, products, send): both.
 */
export function airtimeCommand(command: string, scope: 'setting' | 'provider'): string {
  return `airtime ${command}${profileFlag}${scope === 'provider' ? providerFlag : ''}`;
}

/** For commands that read the profile without resolving settings (config get/set): `--profile` when a bare command would use another. */
export function setProfileInForce(flag: string | undefined, bare: string): void {
  setInForce({ profile: flag !== undefined && flag !== bare ? flag : undefined });
}
