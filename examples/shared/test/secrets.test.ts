import { afterEach, describe, expect, it, vi } from 'vitest'
import { sessionSecrets } from '../src/secrets'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('sessionSecrets', () => {
  it('reads SESSION_SECRETS, comma-separated, newest first, ignoring blanks', () => {
    expect(sessionSecrets({ SESSION_SECRETS: ' new-secret , old-secret,, ' })).toEqual([
      'new-secret',
      'old-secret',
    ])
  })

  it('refuses to start in production without secrets, saying what to set', () => {
    for (const SESSION_SECRETS of [undefined, '', ' , ']) {
      expect(() => sessionSecrets({ NODE_ENV: 'production', SESSION_SECRETS })).toThrow(
        /Set SESSION_SECRETS to one or more secrets of at least 32 characters/,
      )
    }
  })

  it('elsewhere makes one random 256-bit secret per process and warns once', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const first = sessionSecrets({})
    const second = sessionSecrets({ NODE_ENV: 'development' })
    expect(first).toHaveLength(1)
    expect(first[0]).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(second).toEqual(first)
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0]![0])).toContain('SESSION_SECRETS is not set')
    expect(String(warn.mock.calls[0]![0])).not.toContain(first[0]!)
  })
})
