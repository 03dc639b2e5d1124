import { loadConfig, ConfigError } from '../../services/config';
import { JwksUriPolicy, isPublicUnicast, type Resolver } from '../../services/oauth/clients/jwks-uri';

// Where a client's jwks_uri may point (the attack report's SSRF): judged on every address the host
// resolves to, at registration and at each fetch; the allowlist exempts the bank's own hosts.

const resolving =
  (answers: Record<string, string[]>): Resolver =>
  async (host) => {
    const found = answers[host];
    if (!found) throw new Error(`ENOTFOUND ${host}`);
    return found;
  };

const refusedMessage = async (policy: JwksUriPolicy, uri: string) =>
  policy.validate(uri, 'body.jwksUri').then(
    () => undefined,
    (err: Error & { status?: number }) => {
      expect(err.status).toBe(400);
      return err.message;
    },
  );

describe('addresses a jwks_uri may resolve to', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'IPv6 loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['fe80::1', 'IPv6 link-local'],
    ['fd00:ec2::254', 'unique-local (AWS IPv6 metadata)'],
    ['fc00::1', 'unique-local'],
    ['100.64.0.1', 'CGNAT'],
    ['100.100.100.200', 'CGNAT (Alibaba Cloud metadata)'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'IPv6 multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'IPv6 unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['64:ff9b::a00:1', 'NAT64 of a private address'],
    ['2002:a00:1::', '6to4 of a private address'],
    ['192.0.2.1', 'documentation (reserved)'],
  ])('refuses %s (%s)', (address) => {
    expect(isPublicUnicast(address)).toBe(false);
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('accepts the public address %s', (address) => {
    expect(isPublicUnicast(address)).toBe(true);
  });
});

describe('JwksUriPolicy.validate (registration and rotation)', () => {
  const policy = new JwksUriPolicy(
    [],
    false,
    resolving({
      'keys.vendor.example': ['93.184.215.14'],
      'internal.vendor.example': ['10.0.0.7'],
      'mixed.vendor.example': ['93.184.215.14', '127.0.0.1'],
      'mapped.vendor.example': ['::ffff:192.168.0.1'],
    }),
  );

  it('accepts an https or (outside production) http URL whose host resolves only to public addresses', async () => {
    expect(await refusedMessage(policy, 'https://keys.vendor.example/jwks.json')).toBeUndefined();
    expect(await refusedMessage(policy, 'http://keys.vendor.example/jwks.json')).toBeUndefined();
  });

  it.each([
    ['a host resolving to a private address', 'https://internal.vendor.example/jwks', /not public \(10\.0\.0\.7\)/],
    ['a host with one private address among public ones', 'https://mixed.vendor.example/jwks', /not public \(127\.0\.0\.1\)/],
    ['a host resolving to an IPv4-mapped private address', 'https://mapped.vendor.example/jwks', /not public/],
    ['a loopback literal', 'http://127.0.0.1:8080/jwks', /not public/],
    ['a decimal loopback literal', 'http://2130706433/jwks', /not public/],
    ['a hexadecimal loopback literal', 'http://0x7f000001/jwks', /not public/],
    ['an IPv6 loopback literal', 'http://[::1]/jwks', /not public/],
    ['an IPv4-mapped literal', 'http://[::ffff:7f00:1]/jwks', /not public/],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/', /not public/],
    ['a host that does not resolve', 'https://nowhere.vendor.example/jwks', /cannot be resolved/],
    ['credentials in the URL', 'https://user:pw@keys.vendor.example/jwks', /credentials/],
    ['a fragment', 'https://keys.vendor.example/jwks#x', /fragment/],
    ['another scheme', 'ftp://keys.vendor.example/jwks', /https/],
    ['a file URL', 'file:///etc/passwd', /https/],
  ])('refuses %s with 400 naming the field', async (_label, uri, message) => {
    const refused = await refusedMessage(policy, uri);
    expect(refused).toMatch(/^body\.jwksUri: /);
    expect(refused).toMatch(message);
  });

  it('refuses plain http in production', async () => {
    const production = new JwksUriPolicy([], true, resolving({ 'keys.vendor.example': ['93.184.215.14'] }));
    expect(await refusedMessage(production, 'http://keys.vendor.example/jwks')).toMatch(/must be an https URL/);
    expect(await refusedMessage(production, 'https://keys.vendor.example/jwks')).toBeUndefined();
  });

  it('exempts the allowlisted hosts of the bank: names exactly, addresses and CIDR ranges', async () => {
    const bank = new JwksUriPolicy(
      ['keys.bank.internal', '10.20.0.0/16', '127.0.0.1', 'fd12::/16'],
      false,
      resolving({
        'keys.bank.internal': ['10.99.0.1'],
        'other.bank.internal': ['10.20.3.4'],
        'elsewhere.bank.internal': ['10.21.0.1'],
        'v6.bank.internal': ['fd12::5'],
      }),
    );
    expect(await refusedMessage(bank, 'https://keys.bank.internal/jwks')).toBeUndefined();
    expect(await refusedMessage(bank, 'https://KEYS.bank.internal/jwks')).toBeUndefined();
    expect(await refusedMessage(bank, 'https://other.bank.internal/jwks')).toBeUndefined();
    expect(await refusedMessage(bank, 'http://127.0.0.1:9999/jwks')).toBeUndefined();
    expect(await refusedMessage(bank, 'https://v6.bank.internal/jwks')).toBeUndefined();
    expect(await refusedMessage(bank, 'https://elsewhere.bank.internal/jwks')).toMatch(/not public/);
    expect(await refusedMessage(bank, 'http://127.0.0.2/jwks')).toMatch(/not public/);
    expect(await refusedMessage(bank, 'https://sub.keys.bank.internal/jwks')).toMatch(/cannot be resolved/);
  });
});

describe('JwksUriPolicy.fetch (every fetch, after registration)', () => {
  it('checks the addresses again at fetch time: a host that now resolves inside is refused without connecting', async () => {
    const answers: Record<string, string[]> = { 'keys.vendor.example': ['93.184.215.14'] };
    const policy = new JwksUriPolicy([], false, resolving(answers));
    expect(await refusedMessage(policy, 'https://keys.vendor.example/jwks')).toBeUndefined();
    answers['keys.vendor.example'] = ['169.254.169.254'];
    await expect(policy.fetch('https://keys.vendor.example/jwks', {})).rejects.toThrow(/not public/);
  });
});

describe('OAUTH_JWKS_ALLOWED_HOSTS', () => {
  it('is a comma-separated list of host names, addresses and CIDR ranges, lower-cased', () => {
    expect(loadConfig({ OAUTH_JWKS_ALLOWED_HOSTS: ' Keys.Bank.Internal, 10.20.0.0/16 ,::1,,' }).oauthJwksAllowedHosts).toEqual([
      'keys.bank.internal',
      '10.20.0.0/16',
      '::1',
    ]);
    expect(loadConfig({}).oauthJwksAllowedHosts).toEqual([]);
  });

  it('refuses anything else at start-up, naming the variable', () => {
    expect(() => loadConfig({ OAUTH_JWKS_ALLOWED_HOSTS: 'https://keys.bank.internal/' })).toThrow(ConfigError);
    expect(() => loadConfig({ OAUTH_JWKS_ALLOWED_HOSTS: 'keys bank' })).toThrow(/OAUTH_JWKS_ALLOWED_HOSTS/);
  });
});
