import { runBundle } from './bundle';

runBundle(__filename);
