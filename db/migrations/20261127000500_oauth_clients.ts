import type { Knex } from 'knex';

// OAuth 2.0 clients: the bank's own services (internal, with roles) and vendors' systems (vendor).
// vendor_id gets its foreign key from the vendors migration (vendors arrive in a later feature).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table oauth_clients (
      client_id                  text primary key,
      name                       text not null,
      kind                       text not null check (kind in ('internal', 'vendor')),
      vendor_id                  uuid,
      roles                      text[] not null default '{}',
      scopes                     text[] not null default '{}',
      token_endpoint_auth_method text not null
        check (token_endpoint_auth_method in ('private_key_jwt', 'client_secret_basic', 'client_secret_post')),
      jwks                       jsonb,
      jwks_uri                   text,
      secret_hash                text,
      previous_secret_hash       text,
      previous_secret_expires_at timestamptz,
      access_token_ttl_seconds   integer not null default 600 check (access_token_ttl_seconds between 60 and 600),
      status                     text not null default 'active' check (status in ('active', 'disabled')),
      disabled_at                timestamptz,
      created_at                 timestamptz not null,
      updated_at                 timestamptz not null,
      check ((kind = 'vendor') = (vendor_id is not null)),
      check ((token_endpoint_auth_method = 'private_key_jwt') = (secret_hash is null)),
      check (token_endpoint_auth_method <> 'private_key_jwt' or (jwks is null) <> (jwks_uri is null)),
      check ((previous_secret_hash is null) = (previous_secret_expires_at is null))
    )`);
  await knex.raw('create index oauth_clients_vendor_idx on oauth_clients (vendor_id) where vendor_id is not null');
  await knex.raw('create index oauth_clients_kind_idx on oauth_clients (kind, client_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table oauth_clients');
}
