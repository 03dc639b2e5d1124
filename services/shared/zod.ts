import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// Every feature imports z from here so that `.openapi()` is available on all schemas.
extendZodWithOpenApi(z);

export { z };
