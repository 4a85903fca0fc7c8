import { existsSync, readFileSync } from 'node:fs'

/** package.json of the project: one level up from src/ (tsx), two from dist/src/ (compiled, `npm start`). */
const PACKAGE_JSON = [new URL('../package.json', import.meta.url), new URL('../../package.json', import.meta.url)].find((u) => existsSync(u))

/** The service version (package.json), reported as app.connectorVersion and in the OpenAPI info. */
export const VERSION: string = (JSON.parse(readFileSync(PACKAGE_JSON ?? new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
