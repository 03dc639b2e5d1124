import { TEMPLATE_ENV, createTemplate } from './database';

export default async function globalSetup(): Promise<void> {
  process.env[TEMPLATE_ENV] = await createTemplate();
}
