import { describe, expect, it } from 'vitest'

describe('server-only', () => {
  it('refuses to load outside the react-server condition, as in a client component bundle', async () => {
    await expect(import('../src/index')).rejects.toThrow(/Client Component/)
  })
})
