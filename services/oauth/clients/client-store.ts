import type { Db, Trx } from '../../db';
import { rowMapper } from '../../platform/row-mapper';
import type { Jwks, TokenEndpointAuthMethod } from '../schemas';
import type { ClientFilter, ClientRecord, ClientStoreType } from './store-type';

interface ClientRow {
  client_id: string;
  name: string;
  kind: ClientRecord['kind'];
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
  status: ClientRecord['status'];
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
}

const rows = rowMapper<ClientRecord, ClientRow>({
  clientId: 'client_id',
  name: 'name',
  kind: 'kind',
  vendorId: 'vendor_id',
  roles: 'roles',
  scopes: 'scopes',
  tokenEndpointAuthMethod: 'token_endpoint_auth_method',
  jwks: 'jwks',
  jwksUri: 'jwks_uri',
  accessTokenTtlSeconds: 'access_token_ttl_seconds',
  status: 'status',
  previousSecretExpiresAt: 'previous_secret_expires_at',
  disabledAt: 'disabled_at',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  secretHash: 'secret_hash',
  previousSecretHash: 'previous_secret_hash',
});

// jsonb columns are written as JSON text so both engines store the same thing.
const toRow = (client: ClientRecord) => {
  const row = rows.toRow(client);
  return { ...row, roles: [...row.roles], scopes: [...row.scopes], jwks: row.jwks === null ? null : JSON.stringify(row.jwks) };
};

export class ClientStore implements ClientStoreType {
  constructor(private readonly db: Db) {}

  async get(clientId: string, trx: Db | Trx = this.db, forUpdate = false): Promise<ClientRecord | undefined> {
    const q = trx<ClientRow>('oauth_clients').where({ client_id: clientId }).first();
    if (forUpdate) q.forUpdate();
    const row = await q;
    return row && rows.fromRow(row);
  }

  async list(filter: ClientFilter, limit: number): Promise<ClientRecord[]> {
    const q = this.db<ClientRow>('oauth_clients').orderBy('client_id').limit(limit);
    if (filter.kind) q.where('kind', filter.kind);
    if (filter.vendorId) q.where('vendor_id', filter.vendorId);
    if (filter.status) q.where('status', filter.status);
    if (filter.afterId) q.where('client_id', '>', filter.afterId);
    return (await q).map(rows.fromRow);
  }

  async insert(trx: Trx, client: ClientRecord): Promise<void> {
    await trx('oauth_clients').insert(toRow(client));
  }

  async update(trx: Trx, client: ClientRecord): Promise<void> {
    const { client_id: clientId, created_at: _created, ...changes } = toRow(client);
    await trx('oauth_clients').where({ client_id: clientId }).update(changes);
  }

  /** The active clients of a vendor, locked until the transaction ends. */
  async activeOfVendor(trx: Trx, vendorId: string): Promise<ClientRecord[]> {
    const found = await trx<ClientRow>('oauth_clients').where({ vendor_id: vendorId, status: 'active' }).orderBy('client_id').forUpdate();
    return found.map(rows.fromRow);
  }
}
