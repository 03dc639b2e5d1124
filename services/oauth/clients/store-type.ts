import type { Db, Trx } from '../../db';
import type { OAuthClient } from '../schemas';

/** A client as the authorization server needs it: the public view plus its secret hashes. */
export interface ClientRecord extends OAuthClient {
  readonly secretHash: string | null;
  readonly previousSecretHash: string | null;
}

export interface ClientFilter {
  kind?: ClientRecord['kind'];
  vendorId?: string;
  status?: ClientRecord['status'];
  afterId?: string;
}

/** The public view of a client: never its secret hashes. */
export const publicView = ({ secretHash: _s, previousSecretHash: _p, ...client }: ClientRecord): OAuthClient => client;

/** What the client service and the client directory need of storage (client-store.ts on the database, fake-store.ts in memory). */
export interface ClientStoreType {
  /** With `forUpdate`, locks the client's row until the transaction ends. */
  get(clientId: string, trx?: Db | Trx, forUpdate?: boolean): Promise<ClientRecord | undefined>;
  /** In client id order, after `afterId`. */
  list(filter: ClientFilter, limit: number): Promise<ClientRecord[]>;
  insert(trx: Trx, client: ClientRecord): Promise<void>;
  update(trx: Trx, client: ClientRecord): Promise<void>;
  /** The active clients of a vendor, in client id order, locked until the transaction ends. */
  activeOfVendor(trx: Trx, vendorId: string): Promise<ClientRecord[]>;
}
