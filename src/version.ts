import { readFileSync } from 'node:fs'

/** The service version (package.json), reported as app.connectorVersion and in the OpenAPI info. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
