import { BlockList, isIP } from 'node:net';
import { configError } from '../core/errors.js';
import type { Settings } from './settings.js';

/** This machine: 127.0.0.0/8 and ::1 (IPv4-mapped forms included, which BlockList matches). */
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** True when the URL's host is this machine (the simulators, a local proxy): nothing crosses a network. */
export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === 'localhost.') return true;
  const family = isIP(host);
  return family !== 0 && loopback.check(host, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Secrets never go out in clear: a plain http:// base URL to a host that is not this machine is refused
 * before any request (every request carries a key, a secret or a token) unless the profile says, in so
 * many words, `allow-insecure-http true`.
 */
export function requireSecureBaseUrl(settings: Settings): void {
  if (!settings.baseUrl || settings.allowInsecureHttp) return;
  let url: URL;
  try {
    url = new URL(settings.baseUrl);
  } catch {
    throw configError(`the base URL "${settings.baseUrl}" (${settings.baseUrlFrom}) is not a URL: give https://host[/path]`);
  }
  if (url.protocol === 'https:') return;
  if (url.protocol !== 'http:') throw configError(`the base URL ${settings.baseUrl} (${settings.baseUrlFrom}) is not an http(s) URL: give https://host[/path]`);
  if (isLoopbackUrl(url)) return;
  // The allowance is a profile's, for the profile's own provider (as its credentials are).
  const allow =
    settings.profileProvider === settings.provider
      ? `allow it for this profile with 'airtime config set allow-insecure-http true --profile ${settings.profileName}'`
      : `allow it on a profile for ${settings.provider} ('airtime profile add NAME --provider ${settings.provider}', then 'airtime config set allow-insecure-http true --profile NAME')`;
  throw configError(
    `the base URL ${url.origin} (${settings.baseUrlFrom}) is plain http:// to ${url.hostname}, not this machine: your credentials would cross the network unencrypted — use https://, or ${allow}`,
  );
}

/** A base URL that `requireSecureBaseUrl` would refuse without the profile's allowance. */
export function isInsecureRemote(baseUrl: string): boolean {
  try {
    const url = new URL(baseUrl);
    return url.protocol === 'http:' && !isLoopbackUrl(url);
  } catch {
    return false;
  }
}
