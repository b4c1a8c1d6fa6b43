import { withSession } from '@/lib/session'

/** Returns the pending notices and removes them; withSession saves the session because it changed. */
export const POST = withSession(async (_request, _context, session) =>
  Response.json({ notice: session.flashes<string>('notice') }),
)
