import type { Knex } from 'knex';

// Per-token state kept only until the tokens expire: revoked access tokens (RFC 7009) and the
// jti of every accepted client assertion (RFC 7523: an assertion is never accepted twice).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table oauth_revoked_tokens (
      jti         text primary key,
      client_id   text not null,
      expires_at  timestamptz not null,
      revoked_at  timestamptz not null
    )`);
  await knex.raw('create index oauth_revoked_tokens_expiry_idx on oauth_revoked_tokens (expires_at)');
  await knex.raw(`
    create table oauth_client_assertions (
      client_id   text not null,
      jti         text not null,
      expires_at  timestamptz not null,
      primary key (client_id, jti)
    )`);
  await knex.raw('create index oauth_client_assertions_expiry_idx on oauth_client_assertions (expires_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table oauth_client_assertions');
  await knex.raw('drop table oauth_revoked_tokens');
}
