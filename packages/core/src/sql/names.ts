/** Names derived from a table: prepared statement names and the cache channel share its tag. */
import { createHash } from 'node:crypto'

/** A short tag of the qualified table name, for statement and channel names. */
export function tableTag(qualifiedName: string): string {
  return createHash('sha256').update(qualifiedName).digest('hex').slice(0, 10)
}

/** The prepared statement name of operation `op` on a table. */
export function statementName(qualifiedName: string, op: string): string {
  return `pgstore_${op}_${tableTag(qualifiedName)}`
}
