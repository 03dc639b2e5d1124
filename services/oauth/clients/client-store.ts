import type { Db, Trx } from '../../db';
import type { Jwks, OAuthClient, TokenEndpointAuthMethod } from '../schemas';

/** A client as the authorization server needs it: the public view plus its secret hashes. */
export interface ClientRecord extends OAuthClient {
  readonly secretHash: string | null;
  readonly previousSecretHash: string | null;
}

interface ClientRow {
  client_id: string;
  name: string;
  kind: 'internal' | 'vendor';
  vendor_id: string | null;
  roles: string[];
  scopes: string[];
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  jwks: Jwks | null;
  jwks_uri: string | null;
  secret_hash: string | null;
  previous_secret_hash: string | null;
  previous_secret_expires_at: string | null;
  access_token_ttl_seconds: number;
  status: 'active' | 'disabled';
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
}

const fromRow = (r: ClientRow): ClientRecord => ({
  clientId: r.client_id,
  name: r.name,
  kind: r.kind,
  vendorId: r.vendor_id,
  roles: r.roles,
  scopes: r.scopes,
  tokenEndpointAuthMethod: r.token_endpoint_auth_method,
  jwks: r.jwks,
  jwksUri: r.jwks_uri,
  accessTokenTtlSeconds: r.access_token_ttl_seconds,
  status: r.status,
  previousSecretExpiresAt: r.previous_secret_expires_at,
  disabledAt: r.disabled_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  secretHash: r.secret_hash,
  previousSecretHash: r.previous_secret_hash,
});

const toRow = (c: ClientRecord): ClientRow => ({
  client_id: c.clientId,
  name: c.name,
  kind: c.kind,
  vendor_id: c.vendorId,
  roles: [...c.roles],
  scopes: [...c.scopes],
  token_endpoint_auth_method: c.tokenEndpointAuthMethod,
  jwks: c.jwks,
  jwks_uri: c.jwksUri,
  secret_hash: c.secretHash,
  previous_secret_hash: c.previousSecretHash,
  previous_secret_expires_at: c.previousSecretExpiresAt,
  access_token_ttl_seconds: c.accessTokenTtlSeconds,
  status: c.status,
  disabled_at: c.disabledAt,
  created_at: c.createdAt,
  updated_at: c.updatedAt,
});

/** The public view of a client: never its secret hashes. */
export const publicView = ({ secretHash: _s, previousSecretHash: _p, ...client }: ClientRecord): OAuthClient => client;

export class ClientStore {
  constructor(private readonly db: Db) {}

  async get(clientId: string, trx: Db | Trx = this.db, forUpdate = false): Promise<ClientRecord | undefined> {
    const q = trx('oauth_clients').where({ client_id: clientId }).first();
    if (forUpdate) q.forUpdate();
    const row = (await q) as ClientRow | undefined;
    return row && fromRow(row);
  }

  async list(filter: { kind?: string; vendorId?: string; status?: string; afterId?: string }, limit: number): Promise<ClientRecord[]> {
    const q = this.db('oauth_clients').orderBy('client_id').limit(limit);
    if (filter.kind) q.where('kind', filter.kind);
    if (filter.vendorId) q.where('vendor_id', filter.vendorId);
    if (filter.status) q.where('status', filter.status);
    if (filter.afterId) q.where('client_id', '>', filter.afterId);
    return ((await q) as ClientRow[]).map(fromRow);
  }

  async insert(trx: Trx, client: ClientRecord): Promise<void> {
    await trx('oauth_clients').insert(serialise(toRow(client)));
  }

  async update(trx: Trx, client: ClientRecord): Promise<void> {
    const { client_id: clientId, created_at: _created, ...changes } = serialise(toRow(client));
    await trx('oauth_clients').where({ client_id: clientId }).update(changes);
  }

  /** The active clients of a vendor, locked until the transaction ends. */
  async activeOfVendor(trx: Trx, vendorId: string): Promise<ClientRecord[]> {
    const rows = (await trx('oauth_clients')
      .where({ vendor_id: vendorId, status: 'active' })
      .orderBy('client_id')
      .forUpdate()) as ClientRow[];
    return rows.map(fromRow);
  }
}

// jsonb columns are written as JSON text so both engines store the same thing.
const serialise = (row: ClientRow) => ({ ...row, jwks: row.jwks === null ? null : JSON.stringify(row.jwks) });
