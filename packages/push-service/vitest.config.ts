import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['@wp/source', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@wp/source', 'node', 'import', 'default'] } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000 },
})
