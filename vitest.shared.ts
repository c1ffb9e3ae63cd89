// The one vitest configuration of every package: tests run the TypeScript sources of the @wp
// packages (the `@wp/source` export condition), never their build.
import { defineConfig } from 'vitest/config'

const conditions = ['@wp/source', 'node', 'import', 'default']

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000 },
})
