/**
 * Named cases with opt-outs, for the conformance suites: a target skips a case only by naming it with a
 * reason, and each opt-out shows in the run as its own test, so none is silent.
 */
import { expect, it } from 'vitest'

/** Registers the opt-out tests and returns `test(name, title, body)`, which skips opted-out cases. */
export function namedCases<Name extends string>(
  cases: readonly Name[],
  optOut: Partial<Record<Name, string>>,
): (name: Name, title: string, body: () => Promise<void>) => void {
  for (const [name, reason] of Object.entries(optOut) as [string, string][]) {
    it(`opts out of ${name}: ${reason}`, () => {
      expect(cases).toContain(name)
      expect(reason.trim().length, 'an opt-out names its reason').toBeGreaterThan(10)
    })
  }
  return (name, title, body) => {
    if (optOut[name] === undefined) it(title, body)
  }
}
