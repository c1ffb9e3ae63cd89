// The shared configuration, with test files run one at a time: two real browsers launched at once
// on a 2-core machine make their timings unreliable.
import { mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.ts'

export default mergeConfig(shared, { test: { fileParallelism: false } })
