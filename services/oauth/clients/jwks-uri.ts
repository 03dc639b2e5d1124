import dns from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { ValidationError } from '../../shared/errors';
import { JWKS_FETCH_MAX_BYTES, JWKS_FETCH_TIMEOUT_MS } from '../settings';

/** Resolves a host name to every address it has (injectable for tests). */
export type Resolver = (hostname: string) => Promise<string[]>;

const systemResolver: Resolver = async (hostname) => (await dns.lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/** Why the service will not fetch a client's jwks_uri. */
export class JwksUriRefused extends Error {}

/**
 * Where a client's jwks_uri may point. The service fetches it on an anonymous request (any
 * assertion naming the client), so a URI pointing inside the bank would let whoever registers a
 * client make the service call internal systems (SSRF). Refused: every address that is not global
 * unicast (loopback, private, link-local and the cloud metadata address, unique-local, CGNAT,
 * multicast, unspecified, reserved, IPv4-mapped and NAT64 forms of those), checked on every address
 * the host resolves to, at registration and again at every fetch (which connects to the address
 * it checked, so a second DNS answer cannot change it); no redirects; https only in production.
 * `allowed` names the bank's own hosts that are exempt: host names (exact) or addresses and CIDR
 * ranges (OAUTH_JWKS_ALLOWED_HOSTS).
 */
export class JwksUriPolicy {
  private readonly hosts = new Set<string>();
  private readonly ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];

  constructor(
    allowed: readonly string[],
    private readonly production: boolean,
    private readonly resolve: Resolver = systemResolver,
  ) {
    for (const entry of allowed) {
      const range = parseRange(entry);
      if (range) this.ranges.push(range);
      else this.hosts.add(entry.toLowerCase());
    }
  }

  /** Registration and rotation: a 400 naming the field when the URI may not be used. */
  async validate(uri: string, field: string): Promise<void> {
    try {
      await this.vet(new URL(uri));
    } catch (err) {
      if (!(err instanceof JwksUriRefused)) throw err;
      throw ValidationError.field(field, err.message);
    }
  }

  /**
   * A fetch for jose's createRemoteJWKSet: GET only, to a vetted address, no redirects (a 3xx is
   * an error), at most JWKS_FETCH_MAX_BYTES and JWKS_FETCH_TIMEOUT_MS.
   */
  readonly fetch = async (
    url: string,
    options: { headers?: Headers | Record<string, string>; signal?: AbortSignal },
  ): Promise<Response> => {
    const target = new URL(url);
    const address = await this.vet(target);
    return get(target, address, new Headers(options.headers), options.signal);
  };

  /** Checks the URL and every address its host resolves to; the address to connect to. */
  private async vet(url: URL): Promise<string> {
    const httpsOnly = this.production;
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !httpsOnly)) {
      throw new JwksUriRefused(httpsOnly ? 'must be an https URL' : 'must be an https (or, outside production, http) URL');
    }
    if (url.username || url.password || url.hash) throw new JwksUriRefused('must be a URL without credentials or fragment');
    const hostname = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const literal = ipaddr.isValid(hostname) ? [hostname] : undefined;
    let addresses: string[];
    try {
      addresses = literal ?? (await this.resolve(hostname));
    } catch {
      throw new JwksUriRefused(`its host ${hostname} cannot be resolved`);
    }
    if (addresses.length === 0) throw new JwksUriRefused(`its host ${hostname} cannot be resolved`);
    const hostAllowed = this.hosts.has(hostname);
    for (const address of addresses) {
      if (hostAllowed || this.inAllowedRange(address)) continue;
      if (!isPublicUnicast(address))
        throw new JwksUriRefused(`its host ${hostname} resolves to an address that is not public (${address})`);
    }
    return addresses[0];
  }

  private inAllowedRange(address: string): boolean {
    const ip = normalised(address);
    return this.ranges.some(([range, bits]) => range.kind() === ip.kind() && ip.match(range, bits));
  }
}

/** An address or CIDR range (IPv4 or IPv6), or undefined for a host name. */
export function parseRange(entry: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  if (entry.includes('/')) {
    try {
      return ipaddr.parseCIDR(entry);
    } catch {
      return undefined;
    }
  }
  if (!ipaddr.isValid(entry)) return undefined;
  const ip = normalised(entry);
  return [ip, ip.kind() === 'ipv4' ? 32 : 128];
}

/** IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry. */
function normalised(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const ip = ipaddr.parse(address);
  return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}

/** Only global unicast: every special range ipaddr.js knows (private, loopback, link-local, CGNAT, ULA, NAT64…) is refused. */
export function isPublicUnicast(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return normalised(address).range() === 'unicast';
}

function get(url: URL, address: string, headers: Headers, signal: AbortSignal | undefined): Promise<Response> {
  const family = ipaddr.parse(address).kind() === 'ipv6' ? 6 : 4;
  // Connect to the address that was checked, whatever a second DNS answer would say.
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<Response>((resolve, reject) => {
    const request = client.request(
      url,
      { method: 'GET', headers: Object.fromEntries(headers), lookup, timeout: JWKS_FETCH_TIMEOUT_MS, signal },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status !== 200) {
          response.resume();
          reject(new JwksUriRefused(status >= 300 && status < 400 ? 'redirects are not followed' : `answered ${status}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > JWKS_FETCH_MAX_BYTES) {
            response.destroy();
            reject(new JwksUriRefused(`the key set is larger than ${JWKS_FETCH_MAX_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () =>
          resolve(new Response(Buffer.concat(chunks), { status: 200, headers: { 'content-type': 'application/json' } })),
        );
        response.on('error', reject);
      },
    );
    const deadline = setTimeout(
      () => request.destroy(new JwksUriRefused(`no answer within ${JWKS_FETCH_TIMEOUT_MS} ms`)),
      JWKS_FETCH_TIMEOUT_MS,
    );
    request.on('timeout', () => request.destroy(new JwksUriRefused(`no answer within ${JWKS_FETCH_TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.on('close', () => clearTimeout(deadline));
    request.end();
  });
}
