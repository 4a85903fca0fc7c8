/**
 * `npm run openapi`: writes openapi/openapi.json, the OpenAPI document of the whole app (app.swagger()),
 * with keys sorted so diffs stay readable. test/openapi.test.ts fails when the committed file is stale.
 * The app is built with a placeholder config and never listens, syncs or calls Zuora.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { buildApp } from '#src/app.ts'
import { loadConfig } from '#src/config.ts'

export const OPENAPI_FILE = fileURLToPath(new URL('../openapi/openapi.json', import.meta.url))

/** The document of the full app, keys sorted. */
export async function generateOpenApi (): Promise<unknown> {
  const dataDir = await mkdtemp(join(tmpdir(), 'openapi-'))
  try {
    const config = loadConfig({
      ZUORA_TENANT_BASE_URL: 'http://127.0.0.1:8080',
      ZUORA_ALLOW_CUSTOM_HOSTS: 'true',
      ZUORA_OAUTH_CLIENT_ID: 'openapi-generator',
      ZUORA_OAUTH_CLIENT_SECRET: 'openapi-generator-secret',
      API_TOKENS: 'openapi-generator-token-0000',
      AUTH_DISABLED: 'false',
      SYNC_INTERVAL_SECONDS: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent'
    })
    const app = await buildApp({ config, startSync: false })
    try {
      await app.ready()
      return sortKeys(app.swagger())
    } finally {
      await app.close()
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** The file's exact text: 2-space JSON and a trailing newline. */
export function renderOpenApi (doc: unknown): string {
  return `${JSON.stringify(doc, null, 2)}\n`
}

/** A deep copy with every object's keys in code-unit order (arrays keep their order). */
export function sortKeys (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key])
  return out
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await mkdir(dirname(OPENAPI_FILE), { recursive: true })
  await writeFile(OPENAPI_FILE, renderOpenApi(await generateOpenApi()))
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`)
}
