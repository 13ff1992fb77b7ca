import { createRequire } from 'node:module';

/** Read from package.json so the two never disagree. */
export const TOOL_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
