import { describe, expect, it } from 'vitest'
import { FLASH, parseName } from '../src/messages'

describe('parseName', () => {
  it("accepts names of 1 to 40 letters, digits, spaces and . _ - ', trimmed", () => {
    expect(parseName('  Ada Lovelace ')).toBe('Ada Lovelace')
    expect(parseName("Zoë O'Brien-Núñez")).toBe("Zoë O'Brien-Núñez")
    expect(parseName('東京')).toBe('東京')
    expect(parseName('x'.repeat(40))).toBe('x'.repeat(40))
  })

  it('refuses empty, long, markup and non-strings', () => {
    for (const bad of ['', '   ', 'x'.repeat(41), '<script>', 'a"b', undefined, null, 42, ['ada']])
      expect(parseName(bad)).toBeNull()
  })
})

describe('FLASH', () => {
  it('counts devices in words', () => {
    expect(FLASH.revokedOthers(1)).toBe('Logged out 1 other device.')
    expect(FLASH.revokedOthers(2)).toBe('Logged out 2 other devices.')
    expect(FLASH.welcome('ada')).toBe('Welcome, ada!')
  })
})
