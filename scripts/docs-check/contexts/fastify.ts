// What a Fastify fragment takes from the app around it: the request of the route it sits in, a pg.Pool,
// the store from the README's first snippet and the signed-in user's id.
import type { FastifyRequest } from 'fastify'
import type { Pool } from 'pg'

declare const request: FastifyRequest
declare const pool: Pool
declare const store: import('@pgstore/fastify').PgSessionStore
declare const user: string
