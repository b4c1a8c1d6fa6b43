// What a Koa fragment takes from the middleware around it: its `ctx` (with koa-session's `ctx.session`) and
// the user it has just authenticated.
import type { Context } from 'koa'
import 'koa-session'

declare const ctx: Context
declare const user: { id: string }
