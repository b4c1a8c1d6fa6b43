/**
 * The digest a session id is stored under, computed here independently of core, so a probe that finds a
 * row by it also proves core hashes ids as documented (SHA-256, base64url).
 */
import { createHash } from 'node:crypto'

export const digest = (sid: string): string => createHash('sha256').update(sid).digest('base64url')
