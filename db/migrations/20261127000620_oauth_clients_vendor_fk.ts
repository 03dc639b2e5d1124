import type { Knex } from 'knex';

// A vendor client always belongs to a registered vendor (oauth_clients arrived before vendors did).
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table oauth_clients add constraint oauth_clients_vendor_fk foreign key (vendor_id) references vendors (id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table oauth_clients drop constraint oauth_clients_vendor_fk');
}
