import type { ClientFilter, ClientRecord, ClientStoreType } from './store-type';

/** OAuth clients in memory, for fast tests of the client service's rules. */
export class FakeClientStore implements ClientStoreType {
  readonly clients = new Map<string, ClientRecord>();
  /** Reads of one client (the client directory's cache is judged by them). */
  gets = 0;

  async get(clientId: string): Promise<ClientRecord | undefined> {
    this.gets += 1;
    const client = this.clients.get(clientId);
    return client && structuredClone(client);
  }

  async list(filter: ClientFilter, limit: number): Promise<ClientRecord[]> {
    return [...this.clients.values()]
      .filter((c) => (!filter.kind || c.kind === filter.kind) && (!filter.vendorId || c.vendorId === filter.vendorId))
      .filter((c) => (!filter.status || c.status === filter.status) && (!filter.afterId || c.clientId > filter.afterId))
      .sort((a, b) => (a.clientId < b.clientId ? -1 : 1))
      .slice(0, limit)
      .map((c) => structuredClone(c));
  }

  async insert(_trx: unknown, client: ClientRecord): Promise<void> {
    if (this.clients.has(client.clientId)) throw new Error(`duplicate client ${client.clientId}`);
    this.clients.set(client.clientId, structuredClone(client));
  }

  async update(_trx: unknown, client: ClientRecord): Promise<void> {
    const before = this.clients.get(client.clientId);
    if (before) this.clients.set(client.clientId, { ...structuredClone(client), createdAt: before.createdAt });
  }

  async activeOfVendor(_trx: unknown, vendorId: string): Promise<ClientRecord[]> {
    return this.list({ vendorId, status: 'active' }, Number.POSITIVE_INFINITY);
  }
}
